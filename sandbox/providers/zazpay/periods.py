"""PayPal subscription terms (seed 001: a1/p1/t1 first trial, a2/p2/t2 second trial,
a3/p3/t3 regular): the billing periods in order, and calendar arithmetic on the sandbox
clock (months and years end on the same day of the month, clamped to the month's end)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Mapping

from sandbox.clock import IST, from_ms, to_ms

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Period:
    """One billing period: what is charged at its start, and how long it lasts."""

    amount: Decimal
    length: int
    unit: str  # D, W, M, Y


def period(terms: Mapping[str, str], index: int) -> Period:
    """The `index`-th period (0-based): the trials first, then the regular period forever."""
    phases = [
        Period(Decimal(terms[f"a{n}"]), int(terms[f"p{n}"]), terms[f"t{n}"])
        for n in ("1", "2")
        if f"a{n}" in terms
    ]
    if index < len(phases):
        return phases[index]
    return Period(Decimal(terms["a3"]), int(terms["p3"]), terms["t3"])


def add(ms: int, length: int, unit: str) -> int:
    """`ms` moved on by `length` units, in Indian Standard Time for calendar units."""
    if unit == "D":
        return ms + length * DAY_MS
    if unit == "W":
        return ms + 7 * length * DAY_MS
    moment = from_ms(ms).astimezone(IST)
    months = length * (12 if unit == "Y" else 1)
    year, month = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    moved: datetime = moment.replace(year=year, month=month + 1, day=day)
    return to_ms(moved)
