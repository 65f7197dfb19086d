"""Which runtime serves the current request (a context variable set by the app)."""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

_current: ContextVar["Runtime"] = ContextVar("paysandbox_runtime")


def current() -> "Runtime":
    """The runtime serving the current request (set by the app for every request)."""
    return _current.get()


def bind(runtime: "Runtime") -> Token:
    """Makes `runtime` current for this context; returns a token for `unbind`."""
    return _current.set(runtime)


def unbind(token: Token) -> None:
    """Restores the previous current runtime."""
    _current.reset(token)
