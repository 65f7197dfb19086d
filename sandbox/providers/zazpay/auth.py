"""ZazPay authentication: HTTP Basic, merchant ID as username, API key as password."""

from __future__ import annotations

import base64
import hmac
from typing import Any, Callable, Mapping

from sandbox.context import current
from sandbox.providers.base import Tenant
from sandbox.providers.zazpay import errors

NAME = "zazpay"


def _same(expected: str, given: str) -> bool:
    # Bytes, because compare_digest refuses non-ASCII str and a header may carry anything.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogateescape"))


def verify_basic(username: str, password: str) -> dict[str, Any]:
    """Token info for a known merchant and its key; a 401 otherwise (one message for an
    unknown merchant and a wrong key, so answers do not reveal which merchants exist)."""
    for tenant in current().tenants[NAME]:
        id_matches = _same(tenant.credentials["merchant_id"], username)
        key_matches = _same(tenant.credentials["api_key"], password)
        if id_matches and key_matches:
            return {"sub": tenant.id, "tenant": tenant.id}
    raise errors.unauthorized("The merchant ID or API key is wrong.")


def authenticate(_scheme: Mapping[str, Any]) -> Callable[[str, str], dict[str, Any]]:
    """ZazPay has a single scheme: HTTP Basic."""
    return verify_basic


def client_headers(tenant: Tenant) -> dict[str, str]:
    """What a client of `tenant` sends."""
    pair = f"{tenant.credentials['merchant_id']}:{tenant.credentials['api_key']}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
