"""Zoho payments: stored data built from control-API and scenario bodies, and the wire
shapes of seed 004 (the payment object, its list form and the envelopes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from sandbox.ids import DIGITS
from sandbox.money import as_string, to_paise
from sandbox.providers.base import Draft, Tenant
from sandbox.store import Record

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

NAME = "zoho"
PAYMENT = "payment"
METHODS = ("upi", "card", "net_banking")
OUTCOMES = ("succeeded", "failed", "canceled", "incomplete", "blocked", "initiated")
MAX_AMOUNT = 10_00_00_000_00  # ₹1 crore in paise (sandbox cap)
_BANKS = ("State Bank of India", "HDFC Bank", "ICICI Bank", "Axis Bank", "Kotak Mahindra Bank")
_BRANDS = ("visa", "master_card", "rupay")
_TEXT_FIELDS = (
    "phone",
    "receipt_email",
    "reference_number",
    "invoice_number",
    "description",
    "statement_descriptor",
    "payments_session_id",
    "transaction_reference_number",
)


def _bad(field: str, message: str) -> ValueError:
    return ValueError(f"{field}: {message}")


def method_details(rt: "Runtime", payment_id: str, method: str, given: Mapping[str, Any]) -> dict:
    """The method's sub-object: what the body gave, the rest drawn from the payment id."""
    rng = rt.ids.rng(f"{NAME}:{payment_id}:method")
    if method == "upi":
        drawn = {
            "upi_id": f"{rng.choice(('akash', 'priya', 'rahul', 'sneha'))}@examplebank",
            "channel": rng.choice(("collect", "qr", "intent")),
            "account_type": "bank_account",
        }
    elif method == "card":
        drawn = {
            "last_four_digits": "".join(rng.choice(DIGITS) for _ in range(4)),
            "card_holder_name": rng.choice(("Akash Verma", "Priya Nair", "Rahul Mehta")),
            "expiry_month": f"{rng.randint(1, 12):02d}",
            "expiry_year": f"{rng.randint(27, 32):02d}",
            "brand": rng.choice(_BRANDS),
            "funding": rng.choice(("credit", "debit")),
        }
    else:
        drawn = {"bank_name": rng.choice(_BANKS)}
    unknown = set(given) - set(drawn)
    if unknown:
        raise _bad(
            method, f"unknown field(s) {', '.join(sorted(unknown))}; known: {', '.join(drawn)}"
        )
    return {**drawn, **{k: str(v) for k, v in given.items()}}


def draft_payment(rt: "Runtime", tenant: Tenant, body: Mapping[str, Any], now: int) -> Draft:
    """A new payment from a control-API or scenario body:
    `{amount, currency?, method?: upi|card|net_banking, upi?|card?|net_banking?: {...},
    mandate_id?, meta_data?, outcome?, phone?, receipt_email?, reference_number?, ...}`."""
    try:
        amount = to_paise(body["amount"])
    except ValueError:
        raise _bad("amount", f"{str(body['amount'])[:40]!r} is not an amount") from None
    if not 0 < amount <= MAX_AMOUNT:
        raise _bad("amount", "must be more than 0.00 and at most 10000000.00")
    method = body.get("method", "upi")
    if method not in METHODS:
        raise _bad("method", f"must be one of {', '.join(METHODS)}")
    outcome = body.get("outcome", "succeeded")
    if outcome not in OUTCOMES:
        raise _bad("outcome", f"must be one of {', '.join(OUTCOMES)}")
    meta = body.get("meta_data", [])
    if not isinstance(meta, list) or len(meta) > 5 or not all(_meta_ok(m) for m in meta):
        raise _bad("meta_data", "at most 5 {key, value} pairs (key ≤ 20, value ≤ 500 characters)")
    payment_id = "1987" + rt.ids.token(
        f"{NAME}:{tenant.id}:{rt.ids.number(NAME + ':payment')}", 12, DIGITS
    )
    given = body.get(method) or {}
    if not isinstance(given, Mapping):
        raise _bad(method, "must be an object")
    rng = rt.ids.rng(f"{NAME}:{payment_id}")
    data: dict[str, Any] = {
        "account_id": tenant.id,
        "amount": amount,
        "currency": str(body.get("currency", "INR")),
        "method": method,
        "method_details": method_details(rt, payment_id, method, given),
        "meta_data": [{"key": str(m["key"]), "value": str(m["value"])} for m in meta],
        "amount_captured": 0,
        "amount_refunded": 0,
        "fee_amount": 0,
        "net_tax_amount": 0,
        "fully_refunded": False,
        "outcome": outcome,
        "payments_session_id": "1987" + "".join(rng.choice(DIGITS) for _ in range(12)),
        "transaction_reference_number": "".join(rng.choice(DIGITS) for _ in range(11)) + "A",
        "statement_descriptor": tenant.profile.get("statement_descriptor", "Zoho Payments"),
    }
    for key in _TEXT_FIELDS:
        if body.get(key) is not None:
            data[key] = str(body[key])
    if body.get("mandate_id") is not None:
        data["mandate_id"] = str(body["mandate_id"])
    return Draft(PAYMENT, payment_id, data)


def _meta_ok(entry: Any) -> bool:
    return (
        isinstance(entry, Mapping)
        and set(entry) == {"key", "value"}
        and len(str(entry["key"])) <= 20
        and len(str(entry["value"])) <= 500
    )


def _money(data: Mapping[str, Any]) -> dict[str, str]:
    total_fee = data["fee_amount"] + data["net_tax_amount"]
    net = data["amount_captured"] - data["amount_refunded"] - total_fee
    return {
        "amount_captured": as_string(data["amount_captured"]),
        "amount_refunded": as_string(data["amount_refunded"]),
        "fee_amount": as_string(data["fee_amount"]),
        "net_tax_amount": as_string(data["net_tax_amount"]),
        "total_fee_amount": as_string(total_fee),
        "net_amount": as_string(net),
    }


def _copy(view: dict[str, Any], data: Mapping[str, Any], *keys: str) -> None:
    for key in keys:
        if data.get(key) is not None:
            view[key] = data[key]


def payment_view(record: Record) -> dict[str, Any]:
    """The payment object (seed 004 "Attribute" and "Retrieve Payment Details")."""
    data = record.data
    view: dict[str, Any] = {"payment_id": record.id}
    _copy(view, data, "phone")
    view.update(amount=as_string(data["amount"]), currency=data["currency"])
    _copy(view, data, "payments_session_id", "receipt_email", "reference_number")
    _copy(view, data, "transaction_reference_number", "invoice_number")
    view.update(_money(data))
    view["status"] = record.state
    _copy(view, data, "statement_descriptor", "description")
    view["date"] = record.created_at
    method: dict[str, Any] = {"type": data["method"], data["method"]: dict(data["method_details"])}
    _copy(method, data, "mandate_id")
    view["payment_method"] = method
    view["meta_data"] = [dict(m) for m in data["meta_data"]]
    return view


def payment_summary(record: Record) -> dict[str, Any]:
    """A list item (seed 004 "Retrieve Payments List" → payments[])."""
    data = record.data
    view: dict[str, Any] = {
        "payment_id": record.id,
        "amount": as_string(data["amount"]),
        "currency": data["currency"],
    }
    _copy(view, data, "payments_session_id", "receipt_email", "reference_number")
    view.update(_money(data))
    view["status"] = record.state
    _copy(view, data, "statement_descriptor", "description")
    view["date"] = record.created_at
    view["payment_method"] = {"type": data["method"]}
    return view


BUILDERS = {PAYMENT: draft_payment}
