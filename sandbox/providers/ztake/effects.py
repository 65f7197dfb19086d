"""Data changes made by ZTake transitions (named by `effect:` in lifecycle.yaml)."""

from __future__ import annotations

from typing import Any

from sandbox.ids import DIGITS
from sandbox.lifecycle import EffectContext
from sandbox.store import Record

FAILURE_REASON = "The beneficiary bank rejected the transfer."


def bank_utr(ctx: EffectContext, name: str) -> str:
    """A 12-digit bank reference, drawn reproducibly from `name`."""
    rng = ctx.ids.rng(f"{name}:utr")
    return "".join(rng.choice(DIGITS) for _ in range(12))


def utr_submitted(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """Created → Pending. The UTR itself arrives as a change from the API or checkout page;
    driven from the control API the order is pending without one (nothing to look up)."""
    return {"submitted_at": ctx.at}


def order_paid(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """Pending → Succeeded: the payment time."""
    return {"paid_at": ctx.at}


def payout_completed(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """processing → completed: the bank transfer's UTR."""
    return {"utr": record.data.get("utr") or bank_utr(ctx, record.id), "completed_at": ctx.at}


def payout_failed(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """→ failed: why (unless a scenario or seed said already)."""
    return {"failure_reason": record.data.get("failure_reason") or FAILURE_REASON}


EFFECTS = {
    "utr_submitted": utr_submitted,
    "order_paid": order_paid,
    "payout_completed": payout_completed,
    "payout_failed": payout_failed,
}
