"""Zwitch errors: one renderer and the errors its handlers raise.

The seed document shows no error bodies; the sandbox answers
`{"error": {"code": ..., "message": ..., "field": ...}}` (recorded in specs/zwitch.yaml)."""

from __future__ import annotations

from typing import Any

from sandbox.errors import ApiError

AUTH_HINT = "Send 'Authorization: Bearer ACCESS_KEY:SECRET_KEY'."


def render(err: ApiError) -> tuple[dict[str, Any], int]:
    """ApiError → Zwitch's error body and status."""
    error: dict[str, Any] = {"code": err.code, "message": err.message}
    if err.field:
        error["field"] = err.field
    return {"error": error}, err.status


def unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", f"{message} {AUTH_HINT}")


def invalid(field: str, message: str) -> ApiError:
    return ApiError(400, "validation_error", f"{field}: {message}", field=field)


def account_not_found(account_id: str) -> ApiError:
    return ApiError(
        404,
        "account_not_found",
        f"No account {account_id!r} for these API keys.",
        field="account_id",
    )


def payment_not_found(payment_id: str) -> ApiError:
    return ApiError(404, "payment_not_found", f"No payment with id {payment_id!r}.")


def token_not_found(token_id: str) -> ApiError:
    return ApiError(404, "payment_token_not_found", f"No payment token with id {token_id!r}.")


def token_unpaid(token_id: str, status: str) -> ApiError:
    return ApiError(
        404,
        "payment_not_found",
        f"Payment token {token_id!r} has no payment yet (status {status!r}): nobody has "
        "tried to pay it.",
    )


def reference_reused(field: str, value: str, existing_id: str) -> ApiError:
    return ApiError(
        409,
        "duplicate_reference",
        f"{field} {value!r} was already used for {existing_id} with different details; "
        "send the same details to get that resource back, or use a new reference.",
        field=field,
    )
