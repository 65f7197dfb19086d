"""A provider's client auth as a Schemathesis auth provider: every generated case gets the
credentials the provider computes for that very request (a checksum over its body, a JWT
minted on the sandbox clock)."""

from __future__ import annotations

from typing import Any, Callable

from schemathesis.core import NOT_SET
from schemathesis.core.parameters import ParameterLocation

from sandbox.providers.base import ClientRequest, Provider, Tenant


def register(schema: Any, provider: Provider, tenant: Tenant, clock: Callable[[], int]) -> None:
    """Registers the provider's credentials for `tenant` on `schema` (no caching: each
    request is signed on its own)."""

    class ProviderClientAuth:
        def get(self, case: Any, _context: Any) -> bool:
            return True  # nothing to fetch ahead: `set` computes per request

        def set(self, case: Any, _data: Any, _context: Any) -> None:
            body = None if case.body is NOT_SET else case.body
            negative = case.meta is not None and case.meta.is_negative_at(ParameterLocation.BODY)
            credentials = provider.credentials_for(
                tenant,
                ClientRequest(
                    method=case.method.upper(),
                    path=case.formatted_path,
                    headers=dict(case.headers or {}),
                    body=body,
                    clock=clock,
                    negative=negative,
                ),
            )
            case.headers = {**(case.headers or {}), **credentials.headers}
            # A deliberately invalid body stays invalid: completing it would make the
            # request valid and the negative check fail for the wrong reason.
            if credentials.body_fields and isinstance(case.body, dict) and not negative:
                case.body.update(credentials.body_fields)

    schema.auth(refresh_interval=None)(ProviderClientAuth)
