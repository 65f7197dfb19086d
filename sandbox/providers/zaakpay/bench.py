"""Zaakpay's representative operations for the benchmark harness (benchmarks/run.py), which
lifts the two-calls-an-hour limit for both servers."""

from __future__ import annotations

import json
from typing import Any, Callable

from sandbox.benchcase import Case
from sandbox.providers.zaakpay.handlers import checksum

MERCHANT = "b19e8f103bce406cbd3476431b6b7973"
JSON = {"Content-Type": "application/json"}
PATH = "/api/v2/getSettlementReport"


def _body(utr_date: str, sign: str = "zaakpay_test_secret") -> str:
    return json.dumps(
        {
            "merchantIdentifier": MERCHANT,
            "utr_date": utr_date,
            "checksum": checksum(sign, MERCHANT, utr_date),
        }
    )


def cases(fetch: Callable[[str, dict[str, str]], Any]) -> list[Case]:
    """The operations to measure (the harness's clock stands at 2024-01-15)."""
    return [
        Case("settlement report", "POST", PATH, JSON, _body("14-01-2024"), 200),
        Case("invalid date", "POST", PATH, JSON, '{"merchantIdentifier": "x"}', 400),
    ]
