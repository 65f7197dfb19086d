"""Signed Pay's one operation: a charge accepted only with a valid, fresh checksum."""

from __future__ import annotations

import hmac
from typing import Any

from sandbox.context import current
from sandbox.errors import ApiError
from tests.providers.signedpay.signing import NAME, checksum

FRESH_MS = 300_000
HOUR_MS = 3_600_000


async def create_charge(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    rt = current()
    merchant = body["merchant_id"]
    tenant = next((t for t in rt.tenants[NAME] if t.id == merchant), None)
    if tenant is None:
        raise ApiError(401, "unauthorized", f"Unknown merchant_id {merchant!r}.")
    expected = checksum(tenant.credentials["secret"], merchant, body["amount"], body["timestamp"])
    if not hmac.compare_digest(expected, body["checksum"]):
        raise ApiError(401, "unauthorized", "checksum does not match merchant_id,amount,timestamp.")
    if abs(rt.clock.now_ms() - body["timestamp"]) > FRESH_MS:
        raise ApiError(401, "unauthorized", "timestamp is more than 5 minutes from now.")
    retry_after = rt.rate_limit(f"{NAME}:{merchant}:charges", 2, HOUR_MS)
    if retry_after is not None:
        raise ApiError(
            429, "rate_limited", "Two charges an hour.", headers={"Retry-After": str(retry_after)}
        )
    return {"id": rt.ids.new("ch_"), "merchant_id": merchant, "amount": body["amount"]}, 201
