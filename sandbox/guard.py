"""The gate every request passes before routing: request size limits, the Host check that
defeats DNS rebinding, cross-site protection and the token of the control API. It lives in
the core, so every provider inherits it without a line of its own."""

from __future__ import annotations

import functools
import hmac
import ipaddress
import secrets
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Mapping
from urllib.parse import urlsplit

from starlette.types import Message, Receive, Scope, Send

from sandbox.asgi import read_body, replay
from sandbox.config import TOKEN_HEADER, TOKEN_VARIABLE, SandboxConfig
from sandbox.errors import ApiError, encode_error

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

CONTROL_PREFIX = "/_sandbox"
INBOX_PREFIX = "/_sandbox/inbox/"
# Swagger UI and the spec hold no secrets, and the UI is where a person enters the token.
_DOCS = ("/_sandbox/ui", "/_sandbox/openapi.json", "/_sandbox/openapi.yaml")
_DOCS_ENTRY = ("/_sandbox", "/_sandbox/")  # a redirect to the docs
_STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# What an HTML form (or a no-cors fetch) can send cross-site without a CORS preflight.
_SIMPLE_TYPES = {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}
_WILDCARD = {"0.0.0.0", "::", ""}
# Deliveries carry this User-Agent prefix; they never have business with the control API.
WEBHOOK_AGENT = "paysandbox-webhooks/"

MISDIRECTED = "misdirected_request"
PAYLOAD_TOO_LARGE = "payload_too_large"
HEADERS_TOO_LARGE = "request_header_fields_too_large"


# -- the control token -----------------------------------------------------------------


@functools.lru_cache(maxsize=256)  # asked on every request, with the same few Host values
def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address, IPv6 with or without brackets) is this machine
    only."""
    name = host.strip("[]").lower().rstrip(".")
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def needs_token(config: SandboxConfig) -> bool:
    """A sandbox reachable from other machines must not hand its control API to them."""
    return not is_loopback(config.host)


def with_control_token(config: SandboxConfig, announce: bool = True) -> SandboxConfig:
    """`config` with the control token it needs: the one given (option, environment or
    config file), or, when the bind address is not loopback, a fresh one, printed."""
    token = config.control_token or None
    if token is None and needs_token(config):
        token = secrets.token_urlsafe(24)
        if announce:
            print(
                f"paysandbox: listening on {config.host}, which other machines can reach; "
                f"control calls need the header '{TOKEN_HEADER}: {token}' "
                f"(or set {TOKEN_VARIABLE} / --control-token)",
                file=sys.stderr,
                flush=True,
            )
    return replace(config, control_token=token)


def token_headers(token: str | None) -> dict[str, str]:
    """What a client of the control API sends (nothing when no token is set)."""
    return {TOKEN_HEADER: token} if token else {}


# -- what counts as this sandbox ------------------------------------------------------------


def _split_host(value: str) -> tuple[str, int | None]:
    """(name, port) of a Host header or a netloc."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    else:
        name, _, port = value.rpartition(":") if value.count(":") == 1 else (value, "", "")
    return name.rstrip("."), int(port) if port.isdigit() else None


def _public_host(config: SandboxConfig) -> tuple[str, int | None] | None:
    if not config.public_url:
        return None
    parts = urlsplit(config.public_url)
    default = 443 if parts.scheme == "https" else 80
    return (parts.hostname or "").rstrip("."), parts.port or default


def host_allowed(config: SandboxConfig, host: str, local_address: str | None) -> bool:
    """Whether a Host header names this sandbox: a loopback name or address, the bound
    address (or, when bound to every interface, the address the request came in on), the
    public URL's host, or a configured allowed host."""
    name, _ = _split_host(host)
    if is_loopback(name):
        return True
    allowed = {h.lower() for h in config.allowed_hosts}
    if config.host not in _WILDCARD:
        allowed.add(config.host.strip("[]").lower())
    if local_address:
        allowed.add(local_address.lower())
    public = _public_host(config)
    if public is not None:
        allowed.add(public[0])
    return name in allowed


def targets_sandbox(config: SandboxConfig, url: str) -> bool:
    """Whether `url` points at this sandbox itself outside its test inbox (a webhook sent
    there would drive the control API, e.g. reset on every delivery, for ever)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return False
    name = (parts.hostname or "").rstrip(".").lower()
    path = parts.path or "/"
    if path.startswith(INBOX_PREFIX):
        return False
    public = _public_host(config)
    if public is not None and (name, port) == public:
        return True
    if port != config.port:
        return False
    bound = config.host.strip("[]").lower()
    return is_loopback(name) or name == bound or (bound in _WILDCARD and _is_ip(name))


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


# -- the gate -------------------------------------------------------------------------------


def _same_origin(origin: str, host: str, config: SandboxConfig) -> bool:
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False  # "null" (sandboxed frames, file://) is never this sandbox
    default = 443 if parts.scheme == "https" else 80
    given = (parts.hostname.rstrip(".").lower(), parts.port or default)
    name, port = _split_host(host)
    if given == (name, port or default):
        return True
    return given == _public_host(config)


def _token_given(headers: Mapping[str, str]) -> str | None:
    if TOKEN_HEADER.lower() in headers:
        return headers[TOKEN_HEADER.lower()]
    scheme, _, value = headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


class Guard:
    """Checks a request before the app sees it; answers refusals itself, in the shape of
    the provider whose prefix the path uses (the control API's shape elsewhere)."""

    def __init__(self, runtime: "Runtime") -> None:
        self.runtime = runtime

    async def admit(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """The `receive` the app should use, or None when the request was refused."""
        config = self.runtime.config
        raw = scope.get("headers", [])
        size = len(scope.get("raw_path") or scope["path"]) + len(scope.get("query_string", b""))
        size += sum(len(k) + len(v) for k, v in raw)
        if size > config.max_header_bytes:
            await self.refuse(
                scope,
                send,
                ApiError(
                    431,
                    HEADERS_TOO_LARGE,
                    f"The request line and headers are {size} bytes; "
                    f"this sandbox accepts at most {config.max_header_bytes}.",
                ),
            )
            return None
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in raw}
        refusal = self._check(scope, headers, config)
        if refusal is not None:
            await self.refuse(scope, send, refusal)
            return None
        return await self._bounded_body(scope, receive, send, headers, config)

    def _check(
        self, scope: Scope, headers: dict[str, str], config: SandboxConfig
    ) -> ApiError | None:
        host = headers.get("host")
        local = (scope.get("server") or (None, None))[0]
        if host is not None and not host_allowed(config, host, local):
            return ApiError(
                421,
                MISDIRECTED,
                f"This sandbox does not answer to the host {host[:64]!r}. Use 127.0.0.1 or "
                "localhost, or start it with --public-url / --allowed-host naming that host.",
            )
        path, method = scope["path"], scope["method"]
        if path != CONTROL_PREFIX and not path.startswith(CONTROL_PREFIX + "/"):
            return None
        if path.startswith(_DOCS) or (path in _DOCS_ENTRY and method in ("GET", "HEAD")):
            return None
        receiving = path.startswith(INBOX_PREFIX) and method == "POST"
        if method in _STATE_CHANGING:
            origin = headers.get("origin")
            if origin is not None and not _same_origin(origin, host or "", config):
                return ApiError(
                    403,
                    "forbidden",
                    "Control calls from another origin are refused (a web page must not "
                    "drive the sandbox).",
                )
            if not receiving:
                kind = headers.get("content-type", "").split(";")[0].strip().lower()
                if kind in _SIMPLE_TYPES:
                    return ApiError(
                        403,
                        "forbidden",
                        f"Control calls must not be sent as {kind} (that is what a cross-site "
                        "form posts); send JSON, or no body.",
                    )
                if headers.get("user-agent", "").startswith(WEBHOOK_AGENT):
                    return ApiError(
                        403,
                        "forbidden",
                        "A webhook delivery cannot drive the control API; point webhooks at "
                        "your receiver or at /_sandbox/inbox/{name}.",
                    )
        if config.control_token and not receiving:
            given = _token_given(headers)
            if given is None or not hmac.compare_digest(
                given.encode("utf-8", "replace"), config.control_token.encode()
            ):
                return ApiError(
                    401,
                    "unauthorized",
                    f"This sandbox requires its control token: send '{TOKEN_HEADER}: <token>' "
                    "or 'Authorization: Bearer <token>' (printed at start, or set with "
                    f"--control-token / {TOKEN_VARIABLE}).",
                    headers={"WWW-Authenticate": 'Bearer realm="paysandbox control API"'},
                )
        return None

    async def _bounded_body(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[str, str],
        config: SandboxConfig,
    ) -> Receive | None:
        limit = config.max_body_bytes
        too_large = ApiError(
            413,
            PAYLOAD_TOO_LARGE,
            f"The request body is larger than this sandbox accepts ({limit} bytes).",
        )
        length = headers.get("content-length")
        if length is not None:
            if length.strip().isdigit() and int(length) > limit:
                await self.refuse(scope, send, too_large)
                return None
            return receive  # the server delivers no more than the length announced
        if "transfer-encoding" not in headers:
            return receive
        # A chunked body announces no length: read it here, up to the limit.
        body = await read_body(_capped(receive, limit))
        if len(body) > limit:
            await self.refuse(scope, send, too_large)
            return None
        return replay(body)

    async def refuse(self, scope: Scope, send: Send, err: ApiError) -> None:
        """Answers `err` in the shape of the path's provider (the control API's elsewhere)."""
        segment = scope["path"].lstrip("/").split("/", 1)[0]
        body, status, headers = encode_error(self.runtime.providers.get(segment), err)
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        raw += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        if status in (413, 431):
            raw.append((b"connection", b"close"))  # the rest of the request is not read
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})


def _capped(receive: Receive, limit: int) -> Receive:
    """A `receive` that stops once more than `limit` bytes were read."""
    seen = 0

    async def bounded() -> Message:
        nonlocal seen
        if seen > limit:
            return {"type": "http.request", "body": b"", "more_body": False}
        message = await receive()
        seen += len(message.get("body", b""))
        return message

    return bounded
