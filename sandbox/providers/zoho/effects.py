"""Data changes made by Zoho transitions (named by `effect:` in lifecycle.yaml)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sandbox.errors import ApiError
from sandbox.lifecycle import EffectContext
from sandbox.money import as_string, to_paise
from sandbox.store import Record

# Sandbox choice: 2% fee and 18% GST on the fee (the document's example: ₹200 → 4.00 + 0.72).
FEE_RATE = Decimal("0.02")
TAX_RATE = Decimal("0.18")


def _part(paise: int, rate: Decimal) -> int:
    return int((Decimal(paise) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fees(captured: int) -> tuple[int, int]:
    """(fee, tax on the fee) in paise for a captured amount in paise."""
    fee = _part(captured, FEE_RATE)
    return fee, _part(fee, TAX_RATE)


def captured(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """initiated → succeeded: the whole amount is captured and the fee charged."""
    fee, tax = fees(record.data["amount"])
    return {"amount_captured": record.data["amount"], "fee_amount": fee, "net_tax_amount": tax}


def refunded(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """Refunds `params.amount` (default: all that is left of the captured amount)."""
    data = record.data
    left = data["amount_captured"] - data["amount_refunded"]
    raw = ctx.params.get("amount")
    try:
        amount = left if raw is None else to_paise(raw)
    except ValueError:
        raise ApiError(400, "validation_error", f"amount: {raw!r} is not an amount.") from None
    if not 0 < amount <= left:
        raise ApiError(
            400,
            "validation_error",
            f"amount: a refund must be more than 0.00 and at most {as_string(left)}, what is "
            "left of the captured amount.",
            field="amount",
        )
    total = data["amount_refunded"] + amount
    return {"amount_refunded": total, "fully_refunded": total == data["amount_captured"]}


def disputed(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """The buyer disputed the payment with their bank."""
    return {"disputed_at": ctx.at}


def dispute_closed(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """The merchant won: nothing moves."""
    return {"dispute_closed_at": ctx.at}


def dispute_lost(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """The buyer won: what was not refunded yet goes back to the buyer."""
    return {
        "dispute_closed_at": ctx.at,
        "amount_refunded": record.data["amount_captured"],
        "fully_refunded": True,
    }


EFFECTS = {
    "captured": captured,
    "refunded": refunded,
    "disputed": disputed,
    "dispute_closed": dispute_closed,
    "dispute_lost": dispute_lost,
}
