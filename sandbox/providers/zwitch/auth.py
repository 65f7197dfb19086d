"""Zwitch authentication: `Authorization: Bearer ACCESS_KEY:SECRET_KEY`."""

from __future__ import annotations

import hmac
from typing import Any, Callable, Mapping

from sandbox.context import current
from sandbox.providers.base import Tenant
from sandbox.providers.zwitch import errors

NAME = "zwitch"


def _same(expected: str, given: str) -> bool:
    # Bytes, because compare_digest refuses non-ASCII str and a header may carry anything.
    return hmac.compare_digest(expected.encode(), given.encode())


def verify_key_pair(token: str) -> dict[str, Any]:
    """Token info for a valid key pair; a 401 that says what is wrong otherwise."""
    access_key, colon, secret_key = token.partition(":")
    if not colon or not access_key or not secret_key:
        raise errors.unauthorized("The bearer token must be ACCESS_KEY:SECRET_KEY.")
    for tenant in current().tenants[NAME]:
        # Both halves are compared for every tenant, and one message covers an unknown key
        # and a wrong secret alike, so an answer does not reveal which access keys exist.
        key_matches = _same(tenant.credentials["access_key"], access_key)
        secret_matches = _same(tenant.credentials["secret_key"], secret_key)
        if key_matches and secret_matches:
            return {"sub": tenant.id, "tenant": tenant.id}
    raise errors.unauthorized("The API credentials are invalid.")


def authenticate(_scheme: Mapping[str, Any]) -> Callable[[str], dict[str, Any]]:
    """Zwitch has a single scheme: the bearer key pair."""
    return verify_key_pair


def client_headers(tenant: Tenant) -> dict[str, str]:
    """What a client of `tenant` sends."""
    return {
        "Authorization": f"Bearer {tenant.credentials['access_key']}:"
        f"{tenant.credentials['secret_key']}"
    }
