"""Client credentials computed for each request as it is sent (a provider's `client_auth`
hook): for httpx clients (the pytest fixture, `Sandbox.client_for`) and scenario steps.
`sandbox.contract.auth` does the same for Schemathesis."""

from __future__ import annotations

from typing import Any, Callable, Generator, Mapping

import httpx

from sandbox import bodies
from sandbox.providers.base import ClientCredentials, ClientRequest, Provider, Tenant



def decode_body(content_type: str, content: bytes) -> Any:
    """A request body as an auth hook reads it, with the sandbox's own decoder: JSON, or a
    form as a dict (the last value of a repeated key); None when empty, of another type or
    not decodable (a deliberately broken body is sent as it is)."""
    if not content:
        return None
    value = bodies.decode_or_none(content, content_type or None)
    if isinstance(value, dict) and bodies.is_form(bodies.split(content_type)[0]):
        return {k: v[-1] if isinstance(v, list) else v for k, v in value.items()}
    return value


def with_fields(body: Any, fields: Mapping[str, Any]) -> Any:
    """The body with the credentials' fields set (only a JSON object or a form has fields)."""
    if not fields or not isinstance(body, dict):
        return body
    return {**body, **fields}


def remote_clock(client: httpx.Client, base_url: str) -> Callable[[], int]:
    """Reads a sandbox's clock over its control API (when it runs elsewhere)."""

    def now_ms() -> int:
        return int(client.get(f"{base_url.rstrip('/')}/_sandbox/clock").json()["now_ms"])

    return now_ms


class ProviderAuth(httpx.Auth):
    """httpx authentication that asks the provider for a tenant's credentials for every
    request, just before it is sent."""

    requires_request_body = True

    def __init__(
        self, provider: Provider, tenant: Tenant, clock: Callable[[], int], prefix: str = ""
    ) -> None:
        self.provider, self.tenant, self.clock = provider, tenant, clock
        self.prefix = prefix.rstrip("/")  # stripped from URL paths: hooks see API paths

    def credentials(self, request: httpx.Request) -> ClientCredentials:
        """The credentials for one outgoing request."""
        path = request.url.path
        if self.prefix and path.startswith(self.prefix):
            path = path[len(self.prefix) :] or "/"
        content_type = request.headers.get("content-type", "")
        return self.provider.credentials_for(
            self.tenant,
            ClientRequest(
                method=request.method,
                path=path,
                headers=dict(request.headers),
                body=decode_body(content_type, request.content),
                clock=self.clock,
            ),
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        credentials = self.credentials(request)
        if credentials.body_fields:
            request = _rebuilt(request, credentials.body_fields)
        request.headers.update(credentials.headers)
        yield request


def _rebuilt(request: httpx.Request, fields: Mapping[str, Any]) -> httpx.Request:
    content_type = request.headers.get("content-type", "")
    body = decode_body(content_type, request.content)
    if not isinstance(body, dict):
        return request
    content = bodies.encode(with_fields(body, fields), content_type or bodies.JSON)
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    return httpx.Request(
        request.method, request.url, headers=headers, content=content, extensions=request.extensions
    )
