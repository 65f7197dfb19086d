"""Zoho Payments errors: one renderer and the errors its handlers raise.

The document shows no error bodies; Zoho's SDK reads `code` and `message` at the top level,
so the sandbox answers `{"code": N, "message": "..."}` (codes listed in specs/zoho.yaml)."""

from __future__ import annotations

from typing import Any

from sandbox.errors import ApiError

AUTH_HINT = (
    "Send 'Authorization: Zoho-oauthtoken ACCESS_TOKEN' with a token that has the scope "
    "ZohoPay.payments.READ."
)

# HTTP status → Zoho error code (sandbox choices, recorded in the spec).
CODES = {400: 2, 401: 57, 404: 1002, 405: 37, 413: 41, 415: 38, 429: 44}
NO_SUCH_ENDPOINT = 5
INTERNAL = 1


def render(err: ApiError) -> tuple[dict[str, Any], int]:
    """ApiError → Zoho's error body and status."""
    code = err.details.get("zoho_code")
    if code is None:
        if err.status == 404 and err.code != "payment_not_found":
            code = NO_SUCH_ENDPOINT
        else:
            code = CODES.get(err.status, INTERNAL)
    return {"code": code, "message": err.message}, err.status


def unauthorized(message: str) -> ApiError:
    """401: the token is missing, unknown or lacks the scope."""
    return ApiError(401, "unauthorized", f"{message} {AUTH_HINT}")


def invalid(field: str, message: str) -> ApiError:
    """400: a parameter the caller must fix."""
    return ApiError(400, "validation_error", f"{field}: {message}", field=field)


def payment_not_found(payment_id: str) -> ApiError:
    """404: no such payment for this account (another account's payments included)."""
    return ApiError(
        404,
        "payment_not_found",
        f"The payment {payment_id} does not exist in this account.",
    )
