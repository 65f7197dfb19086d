"""Zaakpay settlement transactions: stored data, T+1 settlement and the report row shape."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Mapping

from sandbox.clock import IST, from_ms, to_ms
from sandbox.ids import DIGITS
from sandbox.money import as_string, to_paise
from sandbox.providers.base import Draft, Tenant
from sandbox.store import Record

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

NAME = "zaakpay"
TRANSACTION = "transaction"
ACTIONS = ("SALE", "REFUND")
SETTLEMENT_HOUR = time(10, 0)  # sandbox choice: T+1 at 10:00 IST
FEE_RATE = Decimal("0.0195")  # sandbox choice: 1.95% on sales, 18% GST on the fee
TAX_RATE = Decimal("0.18")
MAX_AMOUNT = 10_00_00_000_00  # ₹1 crore in paise
UPPER_HEX = "0123456789ABCDEF"


def settles_at(txn_ms: int) -> int:
    """When a transaction made at `txn_ms` settles: 10:00 IST on the next day."""
    day = from_ms(txn_ms).astimezone(IST).date() + timedelta(days=1)
    return to_ms(datetime.combine(day, SETTLEMENT_HOUR, tzinfo=IST))


def settlement_day(at_ms: int) -> str:
    """The IST calendar day (YYYY-MM-DD) of an instant."""
    return from_ms(at_ms).astimezone(IST).date().isoformat()


def _part(paise: int, rate: Decimal) -> int:
    return int((Decimal(paise) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def draft_transaction(rt: "Runtime", tenant: Tenant, body: Mapping[str, Any], now: int) -> Draft:
    """A transaction from a control-API or scenario body:
    `{amount: "318.90", action?: SALE|REFUND, client_transaction_id?}`, made at `now`."""
    try:
        amount = to_paise(body["amount"])
    except ValueError:
        raise ValueError(f"amount: {str(body['amount'])[:40]!r} is not an amount") from None
    if not 0 < amount <= MAX_AMOUNT:
        raise ValueError("amount: must be more than 0.00 and at most 10000000.00")
    action = str(body.get("action", "SALE")).upper()
    if action not in ACTIONS:
        raise ValueError(f"action: must be one of {', '.join(ACTIONS)}")
    number = rt.ids.number(f"{NAME}:{tenant.id}:txn")
    txn_id = "ZP" + rt.ids.token(f"{NAME}:{tenant.id}:{number}", 13, "0123456789abcdef")
    rng = rt.ids.rng(f"{NAME}:{txn_id}")
    client_id = body.get("client_transaction_id") or (
        "ZTD3D-"
        + from_ms(now).strftime("%y")
        + "-"
        + "".join(rng.choice(UPPER_HEX) for _ in range(11))
    )
    fee = _part(amount, FEE_RATE) if action == "SALE" else 0
    data: dict[str, Any] = {
        "client_transaction_id": str(client_id)[:64],
        "amount": amount,
        "action": action,
        "fee": fee,
        "tax": _part(fee, TAX_RATE),
        "rrn": "".join(rng.choice(DIGITS) for _ in range(12)) if action == "SALE" else "",
        "arn": "".join(rng.choice(DIGITS) for _ in range(23)) if action == "REFUND" else "",
        "settles_at": settles_at(now),
    }
    return Draft(TRANSACTION, txn_id, data)


def report_row(record: Record) -> dict[str, Any]:
    """One row of the settlement report (seed 003 "Sample Response")."""
    data = record.data
    return {
        "partner_transaction_id": record.id,
        "client_transaction_id": data["client_transaction_id"],
        "txn_date": from_ms(record.created_at).astimezone(IST).strftime("%Y-%m-%d %H:%M:%S"),
        "amount": as_string(data["amount"]),
        "settlement_date": data["settlement_date"],
        "settlement_action": data["action"],
        "transaction_utr": data["transaction_utr"],
        "partner_service_fee": as_string(data["fee"]),
        "partner_service_tax": as_string(data["tax"]),
        "settlement_amount": as_string(data["amount"] - data["fee"] - data["tax"]),
        "rrn": data["rrn"],
        "arn": data["arn"],
    }


BUILDERS = {TRANSACTION: draft_transaction}
