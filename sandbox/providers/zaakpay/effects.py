"""Data changes made by Zaakpay transitions (named by `effect:` in lifecycle.yaml)."""

from __future__ import annotations

from typing import Any

from sandbox.ids import DIGITS
from sandbox.lifecycle import EffectContext
from sandbox.providers.zaakpay.models import NAME, settlement_day
from sandbox.store import Record


def settled(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """The transaction joins its settlement day (the scheduled one, even when a scenario or
    the control API settles it early), under the day's one UTR per merchant."""
    day = settlement_day(record.data["settles_at"])
    return {
        "settlement_date": day,
        "transaction_utr": "CMS" + ctx.ids.token(f"{NAME}:utr:{record.tenant}:{day}", 9, DIGITS),
    }


EFFECTS = {"settled": settled}
