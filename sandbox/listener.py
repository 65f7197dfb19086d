"""`paysandbox webhooks listen`: a receiver that verifies and pretty-prints deliveries, so a
developer can watch webhooks without writing a receiver first."""

from __future__ import annotations

import json
from typing import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.providers import load_providers
from sandbox.providers.base import Provider

Write = Callable[[str], None]


def default_secrets() -> list[tuple[str, str, str]]:
    """(provider, tenant, secret) for every default tenant of a provider that notifies."""
    found = []
    for name, provider in load_providers().items():
        if provider.webhooks is not None:
            found += [(name, t.id, provider.webhooks.secret(t)) for t in provider.default_tenants]
    return found


def _verify(
    providers: dict[str, Provider],
    body: bytes,
    headers: dict[str, str],
    secrets: list[tuple[str, str, str]],
) -> str | None:
    for name, tenant, secret in secrets:
        hooks = providers[name].webhooks if name in providers else None
        candidates = [hooks] if hooks else [p.webhooks for p in providers.values() if p.webhooks]
        for candidate in candidates:
            if candidate.verify(body, headers, secret):
                return f"{name} {tenant}".strip()
    return None


def listener_app(
    secrets: list[tuple[str, str, str]], write: Write = print, status: int = 200
) -> Starlette:
    """The receiving app: answers `status`, prints each delivery and whether it verifies
    with one of `secrets` ((provider or "", label, secret) triples)."""
    providers = load_providers()

    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        verified = _verify(providers, body, headers, secrets)
        try:
            payload = json.loads(body)
            shown = json.dumps(payload, indent=2, ensure_ascii=False)
            event = payload.get("event", "") if isinstance(payload, dict) else ""
        except ValueError:
            shown, event = body.decode("utf-8", "replace"), ""
        mark = f"signature OK ({verified})" if verified else "SIGNATURE DOES NOT VERIFY"
        write(f"── {request.method} {request.url.path}  {event}  {mark}")
        for name in ("x-zwitch-signature", "content-type", "user-agent"):
            if name in headers:
                write(f"   {name}: {headers[name]}")
        write(shown)
        return JSONResponse({"received": True}, status_code=status)

    return Starlette(routes=[Route("/{path:path}", receive, methods=["POST", "PUT"])])
