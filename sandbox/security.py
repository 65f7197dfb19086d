"""Registers each provider's auth checks with Connexion in code, so specs stay portable
(no `x-bearerInfoFunc` Python paths in them)."""

from __future__ import annotations

from typing import Any

from connexion.security import (
    ApiKeySecurityHandler,
    BasicSecurityHandler,
    BearerSecurityHandler,
)

from sandbox.providers.base import Authenticator


def security_map(authenticate: Authenticator) -> dict[str, type]:
    """Connexion security handlers that resolve every scheme through `authenticate`."""

    def bound(base: type) -> type:
        class Handler(base):  # type: ignore[valid-type, misc]
            def _resolve_func(self, security_scheme: dict[str, Any]) -> Any:
                return authenticate(security_scheme)

        Handler.__name__ = f"Sandbox{base.__name__}"
        return Handler

    return {
        "bearer": bound(BearerSecurityHandler),
        "basic": bound(BasicSecurityHandler),
        "apiKey": bound(ApiKeySecurityHandler),
    }
