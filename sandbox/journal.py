"""The outermost ASGI layer: binds the runtime, fires due timers, routes human-facing
pages to Flask and everything else to Connexion, and records each exchange in the journal."""

from __future__ import annotations

import logging
import time
from functools import partial
from typing import TYPE_CHECKING, Any, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox import bodies
from sandbox.asgi import RAW_BODY, read_body, replay
from sandbox.context import bind, unbind
from sandbox.errors import NOT_FOUND, ApiError
from sandbox.fastpath import FastPath
from sandbox.guard import Guard
from sandbox.masking import mask_headers, mask_text
from sandbox.representations import Representation, reencoding, strip_suffix
from sandbox.requestlog import request_logger, tenant_of
from sandbox.runtime import Runtime
from sandbox.store import JournalEntry

if TYPE_CHECKING:
    from sandbox.wayfinding import Wayfinding

log = logging.getLogger("paysandbox")

BODY_LIMIT = 16_384  # bytes of each body kept in the journal
PAGES_SEGMENT = "hosted"  # /<provider>/hosted/... is served by the pages app
# Reading the journal does not change it, and neither does loading the console's assets.
_UNRECORDED = ("/_sandbox/requests", "/_console/")
INBOX_PREFIX = "/_sandbox/inbox/"
CONSOLE_ASSETS = "/_console/"  # the console's script and stylesheet (sandbox/console/)
CONSOLE_HEADER = b"x-paysandbox-console"  # the console's own reads of the control API


def _console_read(scope: Scope) -> bool:
    """A GET the console sends to refresh what it shows: its polling would push real
    traffic out of the bounded journal, so it is not recorded."""
    return scope["method"] == "GET" and any(k == CONSOLE_HEADER for k, _ in scope["headers"])


def _text(body: bytes, headers: list[tuple[bytes, bytes]]) -> str:
    # Read with the shared body decoder, so a body is recorded in the charset it declares.
    suffix = "…" if len(body) > BODY_LIMIT else ""
    return bodies.text(body[:BODY_LIMIT], bodies.content_type(headers)) + suffix


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in raw}


def _entry(
    at: int,
    provider: str,
    method: str,
    path: str,
    query: bytes,
    status: int,
    duration_ms: float,
    request_headers: list[tuple[bytes, bytes]],
    request_body: bytes,
    response_headers: list[tuple[bytes, bytes]],
    response_body: bytes,
) -> JournalEntry:
    """A recorded exchange as the journal shows it: bodies decoded, secrets masked."""
    return JournalEntry(
        at=at,
        provider=provider,
        method=method,
        path=path,
        query=mask_text(query.decode("latin-1")),
        status=status,
        duration_ms=duration_ms,
        request_headers=mask_headers(_headers(request_headers)),
        request_body=mask_text(_text(request_body, request_headers)),
        response_headers=mask_headers(_headers(response_headers)),
        response_body=mask_text(_text(response_body, response_headers)),
    )


_NO_SLASH = "No such endpoint: the documented path has no trailing slash."


class SandboxASGI:
    """The ASGI application served by uvicorn."""

    def __init__(
        self,
        runtime: Runtime,
        api: ASGIApp,
        pages: ASGIApp,
        fast: FastPath | None = None,
        is_operation: Callable[[str], bool] = lambda _path: True,
        wayfinding: "Wayfinding | None" = None,
    ) -> None:
        self.runtime = runtime
        self.api = api
        self.pages = pages
        self.fast = fast
        self.guard = Guard(runtime)
        self.is_operation = is_operation  # whether a path is documented (suffix stripping)
        self.log = request_logger(runtime.config)  # None unless `--log requests`
        self.wayfinding = wayfinding  # the favicon, docs redirects (not journaled)

    def _target(self, path: str) -> ASGIApp:
        if path == "/" or path.startswith(CONSOLE_ASSETS):
            return self.pages
        parts = path.split("/", 3)
        if len(parts) > 2 and parts[2] == PAGES_SEGMENT and parts[1] in self.runtime.providers:
            return self.pages
        return self._api

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.fast is None or not await self.fast.handle(scope, receive, send):
            await self.api(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.api(scope, receive, send)
            return
        token = bind(self.runtime, scope)
        try:
            admitted = await self.guard.admit(scope, receive, send)
            if admitted is None:
                return  # refused before any work: Host, origin, token or size
            receive = admitted
            answer = self.wayfinding.answer(scope) if self.wayfinding is not None else None
            if answer is not None:
                await answer(send)
                return
            self.runtime.sync()
            try:
                self.runtime.tick()
            except Exception:  # the request (a reset, perhaps) must still be served
                log.exception("firing due transitions failed")
            path = scope["path"]
            target = self._target(path)
            if target == self._api and path != "/" and path.endswith("/"):
                if self.is_operation(path.rstrip("/")):
                    # The router would redirect to the path without the slash; the gateways
                    # answer 404, and a client must learn its URL is wrong here, not there.
                    await self.guard.refuse(scope, send, ApiError(404, NOT_FOUND, _NO_SLASH))
                    return
            representation = None
            provider = self.runtime.providers.get(path.lstrip("/").split("/", 1)[0])
            if provider is not None and provider.representations:
                scope, representation = strip_suffix(
                    scope, provider.representations, self.is_operation
                )
            if path.startswith(INBOX_PREFIX) and scope["method"] == "POST":
                # A signature covers the exact bytes; Connexion's parsing must not stand
                # between them and the inbox.
                body = await read_body(receive)
                scope, receive = {**scope, RAW_BODY: body}, replay(body)
            if path.startswith(_UNRECORDED) or (
                path.startswith("/_sandbox/") and _console_read(scope)
            ):
                await target(scope, receive, send)
            else:
                await self._recorded(target, scope, receive, send, path, representation)
        finally:
            unbind(token)

    async def _recorded(
        self,
        target: ASGIApp,
        scope: Scope,
        receive: Receive,
        send: Send,
        path: str,
        representation: Representation | None,
    ) -> None:
        """Serves the request, recording what the client sent and what it received."""
        started = time.perf_counter()
        request_body: list[bytes] = []
        response_body: list[bytes] = []
        response: dict[str, Any] = {"status": 500, "headers": []}
        kept = [0, 0]

        async def receive_recorded() -> Message:
            message = await receive()
            if message["type"] == "http.request" and kept[0] <= BODY_LIMIT:
                chunk = message.get("body", b"")
                request_body.append(chunk)
                kept[0] += len(chunk)
            return message

        async def send_recorded(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body" and kept[1] <= BODY_LIMIT:
                chunk = message.get("body", b"")
                response_body.append(chunk)
                kept[1] += len(chunk)
            await send(message)

        app_send = (
            send_recorded if representation is None else reencoding(send_recorded, representation)
        )
        try:
            await target(scope, receive_recorded, app_send)
        finally:
            segment = path.lstrip("/").split("/", 1)[0]
            # Rendered when the journal is written (store.journal_append): most entries of
            # a busy run are pushed out by newer ones before anyone reads them. The bodies
            # are cut to the journal's limit now, so a buffered entry holds no more.
            entry = partial(
                _entry,
                self.runtime.clock.now_ms(),
                segment if segment in self.runtime.providers or segment == "_sandbox" else "",
                scope["method"],
                path,
                scope.get("query_string", b""),
                response["status"],
                round((time.perf_counter() - started) * 1000, 3),
                scope.get("headers", []),
                b"".join(request_body)[: BODY_LIMIT + 1],
                response["headers"],
                b"".join(response_body)[: BODY_LIMIT + 1],
            )
            keep = self.runtime.config.journal_size
            if self.log is None:
                self.runtime.store.journal_append(entry, keep=keep)
            else:
                rendered = entry()
                self.runtime.store.journal_append(rendered, keep=keep)
                self.log(rendered, tenant_of(scope))
