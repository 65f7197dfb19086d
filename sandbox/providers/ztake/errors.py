"""ZTake errors: one renderer and the errors its handlers raise.

ZTake's own server answers `{"error": "<message>"}` (seeds README); the sandbox keeps
`error` a string and adds `success: false`, a stable `code` and `field` beside it
(recorded in specs/ztake.yaml)."""

from __future__ import annotations

from typing import Any

from sandbox.errors import ApiError

AUTH_HINT = (
    "Send 'Authorization: Bearer <JWT from POST /api/auth/login>' to vendor dashboard "
    "endpoints, or 'Authorization: Bearer pk_...' (the vendor's secret key) to "
    "server-to-server endpoints."
)


def render(err: ApiError) -> tuple[dict[str, Any], int]:
    """ApiError → ZTake's error body and status."""
    body: dict[str, Any] = {"success": False, "error": err.message, "code": err.code}
    if err.field:
        body["field"] = err.field
    for key, value in err.details.items():
        body.setdefault(key, value)
    return body, err.status


def unauthorized(message: str, code: str = "unauthorized") -> ApiError:
    """401: a missing, invalid or expired credential."""
    return ApiError(401, code, message)


def wrong_credential(wanted: str, given: str) -> ApiError:
    """401: the other kind of credential than this endpoint takes."""
    return ApiError(
        401,
        "wrong_credential",
        f"This endpoint wants {wanted}, not {given}.",
    )


def invalid(field: str, message: str) -> ApiError:
    """400: a field the request got wrong beyond what the schema says."""
    return ApiError(400, "validation_error", f"{field}: {message}", field=field)


def vendor_mismatch(field: str, given: str, own: str, status: int = 400) -> ApiError:
    """The vendor code in the body is not the caller's."""
    return ApiError(
        status,
        "vendor_code_mismatch",
        f"{field} {given!r} does not match the vendor of these credentials ({own}).",
        field=field,
    )


def amount_mismatch(utr: str, given: str, expected: str) -> ApiError:
    """400: a confirmation for another amount than the order's."""
    return ApiError(
        400,
        "amount_mismatch",
        f"amount {given} does not match the amount of the order paid with UTR {utr} "
        f"({expected}); confirm only what the bank statement shows.",
        field="amount",
    )


def order_not_found(order_id: str) -> ApiError:
    """404: no such order for this vendor (another vendor's included)."""
    return ApiError(404, "order_not_found", f"No order with id {order_id!r}.")


def payment_not_found(utr: str) -> ApiError:
    """404: no payment was submitted with this UTR (for this vendor)."""
    return ApiError(
        404,
        "payment_not_found",
        f"No payment with UTR {utr!r}: the customer submits the UTR at the checkout page "
        "or with POST /api/v1/orders/{orderId}/submit-utr first.",
        field="utr",
    )


def session_not_found(session_id: str) -> ApiError:
    """404: no such ZiBot session for this vendor."""
    return ApiError(
        404, "session_not_found", f"No chat session {session_id!r}.", field="session_id"
    )


def utr_used(utr: str) -> ApiError:
    """409: the UTR already belongs to another payment."""
    return ApiError(
        409,
        "utr_already_used",
        f"UTR {utr} was already submitted for another payment; a UTR confirms one payment only.",
        field="utr",
    )


def order_conflict(order_id: str, state: str, message: str) -> ApiError:
    """409: the order cannot take this step in its current status."""
    return ApiError(409, "order_not_payable", message, details={"state": state})


def already_confirmed(utr: str, number: int) -> ApiError:
    """409: the payment of this UTR was confirmed before."""
    return ApiError(
        409,
        "already_confirmed",
        f"The payment with UTR {utr} (id {number}) is already confirmed.",
        field="utr",
        details={"state": "Succeeded"},
    )


def reference_reused(merchant_order_id: str, existing_id: str) -> ApiError:
    """409: a merchantOrderId reused with other details."""
    return ApiError(
        409,
        "duplicate_merchant_order_id",
        f"merchantOrderId {merchant_order_id!r} was already used for order {existing_id} "
        "with different details; send the same details to get that order back, or use a "
        "new merchantOrderId.",
        field="merchantOrderId",
    )


def session_full(session_id: str, limit: int) -> ApiError:
    """409: a session holds as many messages as the sandbox keeps."""
    return ApiError(
        409,
        "session_full",
        f"Session {session_id} holds {limit} messages; start a new session (send no session_id).",
        field="session_id",
    )


def bot_disabled(bot_name: str) -> ApiError:
    """403: ZiBot is switched off for this vendor."""
    return ApiError(
        403,
        "bot_disabled",
        f"{bot_name} is disabled for this vendor; enable it with POST /api/v2/chat/config "
        '{"is_active": true}.',
    )


def rate_limited(retry_after: int) -> ApiError:
    """429 with Retry-After (seconds of sandbox time)."""
    return ApiError(
        429,
        "rate_limited",
        f"Rate limit exceeded; retry after {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
    )
