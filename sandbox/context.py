"""Which runtime serves the current request (a context variable set by the app)."""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

_current: ContextVar["Runtime"] = ContextVar("paysandbox_runtime")
_base_url: ContextVar[str] = ContextVar("paysandbox_base_url")
# The path the client asked for (suffix and all), for providers whose error shape depends
# on the operation even when the error happens before a handler runs (validation, auth).
_path: ContextVar[str] = ContextVar("paysandbox_request_path", default="")


def current() -> "Runtime":
    """The runtime serving the current request (set by the app for every request)."""
    return _current.get()


def bind(runtime: "Runtime", scope: dict | None = None) -> tuple[Token, Token | None]:
    """Makes `runtime` (and the request's base URL) current; returns tokens for `unbind`."""
    if scope is not None:
        _path.set(str(scope.get("path", "")))
    return _current.set(runtime), None if scope is None else _base_url.set(_from_scope(scope))


def bind_background(runtime: "Runtime") -> tuple[Token, Token]:
    """Makes `runtime` current for work no request asked for (due timers, the ticker), with
    the sandbox's own base URL, so code reached from a timer sees what it would see when a
    request fired it; returns tokens for `unbind`."""
    return _current.set(runtime), _base_url.set(runtime.public_url(runtime.served_url))


def unbind(tokens: tuple[Token, Token | None]) -> None:
    """Restores what was current before `bind`."""
    runtime, scope = tokens
    _current.reset(runtime)
    if scope is not None:
        _base_url.reset(scope)


def base_url() -> str:
    """`scheme://address:port` the current request arrived on (no trailing slash)."""
    return _base_url.get()


def request_path() -> str:
    """The path of the request being served ("" outside a request), as the client sent it."""
    return _path.get()


def _from_scope(scope: dict) -> str:
    # The address the request arrived on, never its Host header: links the sandbox hands
    # out (payment pages) must not point wherever a client's Host header says.
    server_host, port = scope.get("server") or ("127.0.0.1", 80)
    host = f"[{server_host}]" if ":" in str(server_host) else server_host
    # Read before routing: mounts rewrite root_path in the same scope dict later on.
    return f"{scope.get('scheme', 'http')}://{host}:{port}{scope.get('root_path', '')}"
