"""Data changes made by Zwitch transitions (named by `effect:` in lifecycle.yaml)."""

from __future__ import annotations

from typing import Any

from sandbox.ids import DIGITS
from sandbox.lifecycle import EffectContext
from sandbox.money import as_string
from sandbox.store import Record

_PAYER_NAMES = ("aarav", "diya", "ishaan", "kavya", "rohan", "ananya", "vihaan", "meera")
_PAYER_BANKS = ("okaxis", "okhdfcbank", "oksbi", "okicici", "ybl", "paytm", "ibl")


def _payer(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """Who paid and the bank's reference, drawn reproducibly from the payment id."""
    data = record.data
    if data.get("transaction_id"):
        return {}
    rng = ctx.ids.rng(f"{record.id}:payer")
    payer = data.get("remitter_vpa_handle") or (
        f"{rng.choice(_PAYER_NAMES)}.{rng.randrange(10, 99)}@{rng.choice(_PAYER_BANKS)}"
    )
    # Seed 002's example reference is "TXN123456789": TXN and nine digits.
    return {
        "payer_vpa": payer,
        "transaction_id": "TXN" + "".join(rng.choice(DIGITS) for _ in range(9)),
    }


def payment_received(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """pending → processing: the payer has paid."""
    return _payer(record, ctx)


def payment_completed(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """→ completed: stamps completed_at (and the payer, when completion skipped processing)."""
    return {**_payer(record, ctx), "completed_at": ctx.at}


def _attempt(record: Record, ctx: EffectContext, status: str) -> dict[str, Any]:
    data = record.data
    payment = {
        "id": ctx.ids.new("py_", 15),
        "status": status,
        "amount": as_string(data["amount"]),
        "currency": data["currency"],
        "customer": dict(data["customer"]),
        "payment_instrument": {
            "type": "upi",
            "vpa": "success@upi" if status == "captured" else "failure@upi",
        },
        "created_at": ctx.at,
    }
    return {"attempts": data["attempts"] + 1, "payment": payment}


def attempt_failed(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """A Layer.js payment attempt on the token failed."""
    return _attempt(record, ctx, "failed")


def attempt_captured(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """A Layer.js payment attempt on the token was captured: the token is paid."""
    return {**_attempt(record, ctx, "captured"), "paid_at": ctx.at}


EFFECTS = {
    "payment_received": payment_received,
    "payment_completed": payment_completed,
    "attempt_failed": attempt_failed,
    "attempt_captured": attempt_captured,
}
