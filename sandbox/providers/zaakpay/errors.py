"""Zaakpay errors: one renderer and the errors its handler raises.

Every answer carries `responsecode` / `responsedescription`; the codes other than `100` are
sandbox choices, listed in specs/zaakpay.yaml."""

from __future__ import annotations

from typing import Any

from sandbox.errors import ApiError

AUTH_HINT = "Send merchantIdentifier, utr_date and checksum = HMAC-SHA256(secret, 'merchantIdentifier,utr_date')."

MISSING = "101"
UNKNOWN_MERCHANT = "102"
BAD_FORMAT = "103"
IMPOSSIBLE_DATE = "104"
FUTURE_DATE = "105"
CHECKSUM = "180"
RATE_LIMITED = "190"
NOT_SERVED = "191"


def render(err: ApiError) -> tuple[dict[str, Any], int]:
    """ApiError → Zaakpay's answer: its response code and a description."""
    code = err.details.get("responsecode")
    if code is None:
        if err.status == 400:
            code = BAD_FORMAT if err.field == "utr_date" else MISSING
        else:
            code = NOT_SERVED
    return {"responsecode": code, "responsedescription": err.message}, err.status


def refused(status: int, code: str, message: str, **extra: Any) -> ApiError:
    """An error with its Zaakpay response code."""
    return ApiError(status, f"zaakpay_{code}", message, details={"responsecode": code}, **extra)
