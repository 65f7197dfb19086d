"""Fault injection: request-matching rules (from loaded scenarios) that answer with a
provider-shaped error, add latency, drop the connection, corrupt the body or rate-limit.

Runs inside Connexion after routing and security, so a rule can name the operation, its
path template and the authenticated tenant; the body is read (and replayed) only when a
rule matches on it."""

from __future__ import annotations

import asyncio
import fnmatch
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox import ratelimit
from sandbox.asgi import read_body, replay
from sandbox.context import current
from sandbox.errors import ApiError, json_response
from sandbox.matching import matches
from sandbox.validation import loads_limited

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

_CODES = {
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
_MESSAGES = {
    429: "Too many requests; retry after the time in Retry-After.",
    503: "The service is temporarily unavailable; retry later.",
}


@dataclass(frozen=True)
class Trigger:
    """Which of the calls matching a rule it hits, counted per rule in the store (so the
    count is shared by workers and restarts with a reset)."""

    key: str  # stable identity for its counters: "<scenario>#<index>"
    nth: int | None = None  # only the nth matching call
    every: int | None = None  # every nth matching call
    first: int | None = None  # the first N matching calls
    after: int | None = None  # every matching call after the first N
    probability: float | None = None  # with the sandbox seed, reproducibly

    def fires(self, rt: "Runtime") -> bool:
        """Counts one matching call and says whether the rule hits it."""
        call = rt.store.next_number(f"trigger:{self.key}")
        if self.nth is not None and call != self.nth:
            return False
        if self.every is not None and call % self.every:
            return False
        if self.first is not None and call > self.first:
            return False
        if self.after is not None and call <= self.after:
            return False
        if self.probability is not None:
            return rt.ids.rng(f"trigger:{self.key}:{call}").random() < self.probability
        return True

    @classmethod
    def from_rule(cls, key: str, rule: Mapping[str, Any]) -> "Trigger":
        """The trigger fields of a scenario rule."""
        return cls(
            key=key,
            nth=rule.get("nth"),
            every=rule.get("every"),
            first=rule.get("first"),
            after=rule.get("after"),
            probability=rule.get("probability"),
        )


@dataclass(frozen=True)
class FaultRule:
    """One rule: which requests it matches, which of them it hits, and what it does."""

    trigger: Trigger
    provider: str | None = None
    method: str | None = None
    path: str | None = None  # a path template of the spec, or a glob of the concrete path
    operation: str | None = None  # an operationId
    tenant: str | None = None
    body: Mapping[str, Any] | None = None  # a condition on the JSON body
    query: Mapping[str, Any] | None = None  # a condition on the query parameters
    status: int | None = None
    code: str | None = None
    message: str | None = None
    latency_ms: int = 0
    drop: bool = False
    malformed: bool = False
    rate_limit: tuple[int, int] | None = None  # (calls, window in ms)
    headers: Mapping[str, str] = field(default_factory=dict)

    def matches_request(
        self,
        provider: str,
        method: str,
        template: str,
        path: str,
        operation: str,
        tenant: str | None,
        query: Mapping[str, str],
    ) -> bool:
        """Whether the rule's request filters match (the body is checked separately)."""
        if self.provider not in (None, provider) or self.tenant not in (None, tenant):
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        if self.operation not in (None, operation):
            return False
        if (
            self.path is not None
            and self.path != template
            and not fnmatch.fnmatchcase(path, self.path)
        ):
            return False
        return matches(self.query, dict(query))


def _error(
    rt: "Runtime",
    provider: str,
    status: int,
    code: str | None,
    message: str | None,
    headers: Mapping[str, str],
) -> Any:
    err = ApiError(
        status,
        code or _CODES.get(status, "injected_fault"),
        message or _MESSAGES.get(status, f"Injected fault: HTTP {status}."),
        headers=dict(headers),
    )
    body, status = rt.providers[provider].render_error(err)
    return json_response(body, status, err.headers)


async def _send_response(response: Any, send: Send) -> None:
    headers = [(k.encode(), v.encode()) for k, v in response.headers.items()]
    if not any(k == b"content-type" for k, _ in headers):
        headers.append((b"content-type", b"application/json"))
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


class FaultMiddleware:
    """Connexion middleware (placed after security) applying the active fault rules."""

    def __init__(
        self, app: ASGIApp, templates: Mapping[str, Mapping[str, str]] | None = None
    ) -> None:
        self.app = app
        self.templates = templates or {}  # provider → operationId → path template

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rt = current() if scope["type"] == "http" else None
        if rt is None or not rt.faults:
            await self.app(scope, receive, send)
            return
        extensions = scope.get("extensions", {})
        routing = extensions.get("connexion_routing", {})
        operation = routing.get("operation_id")
        provider = str(routing.get("api_base_path", "")).lstrip("/")
        if operation is None or provider not in rt.providers:
            await self.app(scope, receive, send)
            return
        token_info = extensions.get("connexion_context", {}).get("token_info") or {}
        template = self.templates.get(provider, {}).get(operation, "")
        relative = scope["path"][len(provider) + 1 :]
        query = _query(scope)
        body_bytes: bytes | None = None
        for rule in rt.faults:
            if not rule.matches_request(
                provider,
                scope["method"],
                template,
                relative,
                operation,
                token_info.get("tenant"),
                query,
            ):
                continue
            if rule.body is not None:
                if body_bytes is None:
                    body_bytes = await read_body(receive)
                    receive = replay(body_bytes)
                if not matches(rule.body, _json_or_none(body_bytes)):
                    continue
            if await self._apply(rt, rule, provider, scope, receive, send):
                return
        await self.app(scope, receive, send)

    async def _apply(
        self,
        rt: "Runtime",
        rule: FaultRule,
        provider: str,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> bool:
        """Applies the rule if it hits this call; True when the response has been sent."""
        if rule.rate_limit is not None:
            limit, window = rule.rate_limit
            retry_after = ratelimit.consume(
                rt.store, rule.trigger.key, limit, window, rt.clock.now_ms()
            )
            if retry_after is None:
                return False
            headers = {**rule.headers, "Retry-After": str(retry_after)}
            await _send_response(
                _error(rt, provider, rule.status or 429, rule.code, rule.message, headers), send
            )
            return True
        if not rule.trigger.fires(rt):
            return False
        if rule.latency_ms:
            await asyncio.sleep(rule.latency_ms / 1000)  # real time: it is about HTTP timing
        if rule.drop:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", b"4096"),
                    ],
                }
            )
            # Returning with the body unfinished makes the server close the connection.
            await send({"type": "http.response.body", "body": b'{"', "more_body": True})
            return True
        if rule.status is not None:
            await _send_response(
                _error(rt, provider, rule.status, rule.code, rule.message, rule.headers), send
            )
            return True
        if rule.malformed:
            await self.app(scope, receive, _truncating(send))
            return True
        return False  # latency only: the request goes on


def _query(scope: Scope) -> dict[str, str]:
    return dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))


def _json_or_none(body: bytes) -> Any:
    try:
        return loads_limited(body.decode())
    except ValueError:  # not JSON, too deep, not UTF-8: a body condition cannot match
        return None


def _truncating(send: Send) -> Send:
    """A `send` that cuts the body in half (a malformed answer with intact headers)."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def truncate(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        body = body[: max(1, len(body) // 2)]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return truncate
