"""Zwitch resources: stored data built from requests, and the wire shapes of seed 002."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from sandbox.clock import IST, from_ms, iso_z
from sandbox.ids import ALNUM, IdGenerator
from sandbox.lifecycle import fingerprint
from sandbox.money import as_number, as_string, to_paise
from sandbox.providers.base import Draft, Tenant
from sandbox.providers.zwitch import errors
from sandbox.qr import qr_data_uri, upi_intent
from sandbox.store import Record

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

NAME = "zwitch"
COLLECT = "upi_collect"
TOKEN = "payment_token"
DEFAULT_EXPIRY_MINUTES = 30  # seed 002: "default: 30 minutes"
TOKEN_LIFETIME_MS = 3_600_000  # sandbox choice, see PaymentToken.status in the spec


# -- UPI collect ----------------------------------------------------------------------


def draft_collect(rt: "Runtime", tenant: Tenant, body: Mapping[str, Any], now: int) -> Draft:
    """A new UPI collect request; `body` carries the path's `account_id` too."""
    account_id = body["account_id"]
    if account_id not in tenant.profile["accounts"]:
        raise errors.account_not_found(account_id)
    return Draft(
        COLLECT,
        rt.ids.scoped(NAME, tenant.id).new("pay_"),
        new_collect(account_id, body, now),
        ref=body.get("merchant_reference_id"),
        parent=account_id,
    )


def new_collect(account_id: str, body: Mapping[str, Any], now: int) -> dict[str, Any]:
    """Stored data of a new UPI collect request."""
    expiry = body.get("expiry_in_minutes", DEFAULT_EXPIRY_MINUTES)
    data: dict[str, Any] = {
        "account_id": account_id,
        "amount": to_paise(body["amount"]),
        "currency": "INR",
        "expiry_in_minutes": expiry,
        "expires_at": now + expiry * 60_000,
    }
    for key in ("remitter_vpa_handle", "remark", "merchant_reference_id", "metadata"):
        if key in body:
            data[key] = body[key]
    if data.get("merchant_reference_id") is not None:
        # Only a reference can come again (a retry, or a reuse with other details).
        asked = {k: v for k, v in data.items() if k != "expires_at"}
        data["_fingerprint"] = fingerprint(asked)
    return data


def upi_id(account_id: str) -> str:
    """The account's collecting VPA, as in the document's example."""
    return f"{account_id}@zwitch"


def payment_link(base_url: str, payment_id: str) -> str:
    """The sandbox's hosted payment page for a collect request."""
    return f"{base_url}/{NAME}/hosted/pay/{payment_id}"


NOTE_LIMIT = 50  # characters of the remark in a QR code's note (sandbox choice, in the spec)


def collect_intent(record: Record, tenant: Tenant) -> str:
    """The UPI payment intent of a collect request, what its `qr_code` encodes: pay the
    account's UPI id, in the merchant's name, this amount, with the payment id as the
    transaction reference and the remark (cut short) as the note."""
    data = record.data
    remark = data.get("remark")
    return upi_intent(
        upi_id(data["account_id"]),
        tenant.profile["merchant_name"],
        as_string(data["amount"]),
        reference=record.id,
        note=remark[:NOTE_LIMIT] if remark else None,
    )


def _collect_common(record: Record) -> dict[str, Any]:
    data = record.data
    view: dict[str, Any] = {
        "id": record.id,
        "account_id": data["account_id"],
        "amount": as_number(data["amount"]),
        "currency": data["currency"],
        "status": record.state,
        "payment_method": "upi",
    }
    return view


def _optional(view: dict[str, Any], data: Mapping[str, Any], *keys: str) -> None:
    for key in keys:
        if data.get(key) is not None:
            view[key] = data[key]


def collect_created(record: Record, tenant: Tenant, base_url: str) -> dict[str, Any]:
    """The create response (seed 002 "Create UPI Collect Request" → Response)."""
    data = record.data
    view = _collect_common(record)
    view["upi_details"] = {
        "qr_code": qr_data_uri(collect_intent(record, tenant)),
        "payment_link": payment_link(base_url, record.id),
        "upi_id": upi_id(data["account_id"]),
        "merchant_name": tenant.profile["merchant_name"],
    }
    _optional(view, data, "remitter_vpa_handle", "remark", "merchant_reference_id")
    view["expires_at"] = iso_z(data["expires_at"])
    view["created_at"] = iso_z(record.created_at)
    _add_completed(view, data)
    _optional(view, data, "metadata")
    return view


def collect_details(record: Record) -> dict[str, Any]:
    """Get payment by id (seed 002 "Get Payment by ID" → Response)."""
    data = record.data
    view = _collect_common(record)
    details = {"upi_id": upi_id(data["account_id"])}
    _optional(details, data, "payer_vpa", "transaction_id")
    view["upi_details"] = details
    _optional(view, data, "remark", "merchant_reference_id")
    view["expires_at"] = iso_z(data["expires_at"])
    view["created_at"] = iso_z(record.created_at)
    _add_completed(view, data)
    _optional(view, data, "metadata")
    return view


def collect_summary(record: Record) -> dict[str, Any]:
    """A list item (seed 002 "List All Payments" → data[])."""
    view = _collect_common(record)
    _optional(view, record.data, "remark", "merchant_reference_id")
    view["created_at"] = iso_z(record.created_at)
    _add_completed(view, record.data)
    return view


def _add_completed(view: dict[str, Any], data: Mapping[str, Any]) -> None:
    if data.get("completed_at") is not None:
        view["completed_at"] = iso_z(data["completed_at"])


# -- payment tokens -------------------------------------------------------------------


def draft_token(rt: "Runtime", tenant: Tenant, body: Mapping[str, Any], now: int) -> Draft:
    """A new payment token."""
    return Draft(
        TOKEN,
        rt.ids.scoped(NAME, tenant.id).new("pt_", 15),
        new_token(rt.ids, tenant, body, now),
        ref=body["mtx"],
    )


def customer_id(ids: IdGenerator, tenant_id: str, contact: str, email: str) -> str:
    """One customer per tenant, mobile number and email, like a real customer record."""
    return "cs_" + ids.token(f"customer:{tenant_id}:{contact}:{email}", 15, ALNUM)


def new_token(
    ids: IdGenerator, tenant: Tenant, body: Mapping[str, Any], now: int
) -> dict[str, Any]:
    """Stored data of a new payment token."""
    data: dict[str, Any] = {
        "amount": to_paise(body["amount"]),
        "currency": body["currency"],
        "mtx": body["mtx"],
        "attempts": 0,
        "users_id": tenant.profile["users_id"],
        "customer": {
            "contact_number": body["contact_number"],
            "email_id": body["email_id"],
            "id": customer_id(ids, tenant.id, body["contact_number"], body["email_id"]),
            "entity": "customer",
        },
        "expires_at": now + TOKEN_LIFETIME_MS,
    }
    for key in ("udf", "sub_accounts_id"):
        if key in body:
            data[key] = body[key]
    asked = {k: v for k, v in data.items() if k not in ("expires_at", "attempts")}
    data["_fingerprint"] = fingerprint(asked)
    return data


def ist_timestamp(ms: int) -> str:
    """`2025-12-05 16:22:52`, the token example's format, in Indian Standard Time."""
    return from_ms(ms).astimezone(IST).strftime("%Y-%m-%d %H:%M:%S")


def token_view(record: Record) -> dict[str, Any]:
    """The payment token object (seed 002 "Create Payment Token" → Response)."""
    data = record.data
    view: dict[str, Any] = {
        "amount": as_string(data["amount"]),
        "currency": data["currency"],
        "mtx": data["mtx"],
        "attempts": data["attempts"],
    }
    _optional(view, data, "sub_accounts_id")
    view.update(
        {
            "users_id": data["users_id"],
            "created_at": ist_timestamp(record.created_at),
            "id": record.id,
            "entity": "payment_token",
            "status": record.state,
            "customer": dict(data["customer"]),
        }
    )
    _optional(view, data, "udf")
    return view


def token_payment(record: Record) -> dict[str, Any] | None:
    """The token's latest payment attempt (as token webhooks nest it), or None before any."""
    payment = record.data.get("payment")
    if not payment:
        return None
    return {**payment, "created_at": iso_z(payment["created_at"])}


def token_payment_view(record: Record) -> dict[str, Any] | None:
    """`GET /v1/pg/payment_token/{id}/payment` as public Layer.js integrations read it: the
    latest payment, with the token under `payment_token`; None before any attempt."""
    payment = token_payment(record)
    if payment is None:
        return None
    return {**payment, "payment_token": token_view(record)}


_STATUS_CHECK = {
    "created": "created",
    "attempted": "failed",
    "paid": "captured",
    "expired": "expired",
}


def token_status_view(record: Record) -> dict[str, Any]:
    """The status check (seed 002 "Status Check API" → Response)."""
    data = record.data
    payment = data.get("payment")
    view: dict[str, Any] = {"payment_token_id": record.id}
    if payment:
        view["payment_id"] = payment["id"]
    view.update(
        {
            "status": _STATUS_CHECK[record.state],
            "amount": as_number(data["amount"]),
            "currency": data["currency"],
            "created_at": iso_z(record.created_at),
        }
    )
    if data.get("paid_at") is not None:
        view["completed_at"] = iso_z(data["paid_at"])
    return view


BUILDERS = {COLLECT: draft_collect, TOKEN: draft_token}
