"""Zoho Payments authentication: `Authorization: Zoho-oauthtoken TOKEN` with a scope."""

from __future__ import annotations

import hmac
from typing import Any, Callable, Mapping

from sandbox.context import current
from sandbox.providers.base import Tenant
from sandbox.providers.zoho import errors

NAME = "zoho"
READ_SCOPE = "ZohoPay.payments.READ"
_PREFIX = "Zoho-oauthtoken "


def tokens(tenant: Tenant) -> dict[str, list[str]]:
    """Every access token of a tenant with its scopes (the main token and any extra ones,
    such as a token without the read scope for testing refusals)."""
    found = {tenant.credentials["oauth_token"]: list(tenant.credentials.get("scopes", []))}
    for extra in tenant.credentials.get("other_tokens", []):
        found[extra["token"]] = list(extra.get("scopes", []))
    return found


def verify_token(header: str) -> dict[str, Any]:
    """Token info for a known token with the read scope; a 401 otherwise."""
    if not header.startswith(_PREFIX):
        raise errors.unauthorized("The Authorization header must start with 'Zoho-oauthtoken'.")
    given = header[len(_PREFIX) :].strip().encode()
    for tenant in current().tenants[NAME]:
        for token, scopes in tokens(tenant).items():
            if hmac.compare_digest(token.encode(), given):
                if READ_SCOPE not in scopes:
                    raise errors.unauthorized(f"The OAuth token lacks the scope {READ_SCOPE}.")
                return {"sub": tenant.id, "tenant": tenant.id}
    raise errors.unauthorized("Invalid OAuth token.")


def authenticate(_scheme: Mapping[str, Any]) -> Callable[..., dict[str, Any]]:
    """One scheme: the OAuth access token in the Authorization header."""

    def verify(api_key: str, required_scopes: Any = None) -> dict[str, Any]:
        return verify_token(api_key)

    return verify


def client_headers(tenant: Tenant) -> dict[str, str]:
    """What a client of `tenant` sends."""
    return {"Authorization": f"{_PREFIX}{tenant.credentials['oauth_token']}"}
