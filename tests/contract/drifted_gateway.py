"""A deliberately drifted Zwitch: a proxy in front of a sandbox that renames the payment's
`id` to `payment_id` in payment details and answers the payments list with an undocumented
202. It stands in for a real gateway whose API moved away from its documentation."""

from __future__ import annotations

import json

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def drifted_app(upstream: str) -> Starlette:
    """The proxy ASGI app in front of `upstream` (a sandbox's /zwitch base URL)."""
    client = httpx.AsyncClient(timeout=30)
    base = httpx.URL(upstream)

    async def proxy(request: Request) -> Response:
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")
        }
        # Forward the path and query exactly as they came over the wire.
        raw = base.raw_path.rstrip(b"/") + request.scope["raw_path"]
        if request.scope["query_string"]:
            raw += b"?" + request.scope["query_string"]
        answer = await client.request(
            request.method,
            base.copy_with(raw_path=raw),
            content=await request.body(),
            headers=headers,
        )
        body = answer.content
        status = answer.status_code
        path = request.url.path
        if status == 200 and path.startswith("/v1/payments/") and "/token/" not in path:
            payment = answer.json()
            payment["payment_id"] = payment.pop("id")
            body = json.dumps(payment).encode()
        elif status == 200 and path == "/v1/payments":
            status = 202
        passed = {
            k: v
            for k, v in answer.headers.items()
            if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")
        }
        return Response(body, status_code=status, headers=passed)

    return Starlette(
        routes=[
            Route(
                "/{path:path}",
                proxy,
                methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"],
            )
        ]
    )
