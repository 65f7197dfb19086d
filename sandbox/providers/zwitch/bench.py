"""Zwitch's representative operations for the benchmark harness (benchmarks/run.py)."""

from __future__ import annotations

import json
from typing import Any, Callable

from sandbox.benchcase import Case

AUTH = {"Authorization": "Bearer ak_test_sandbox:sk_test_sandbox"}
JSON = {"Content-Type": "application/json"}
COLLECT = "/v1/accounts/acc_1234567890/payments/upi/collect"
# The body of seed 002's example, without the reference (so every create is a new payment).
BODY = json.dumps(
    {
        "remitter_vpa_handle": "payer@upi",
        "amount": 100.50,
        "expiry_in_minutes": 30,
        "remark": "Order #123",
        "metadata": {"order_id": "order_123"},
    }
)


def cases(fetch: Callable[[str, dict[str, str]], Any]) -> list[Case]:
    """The operations to measure; `fetch(path, headers)` reads JSON from the target."""
    payment_id = fetch("/v1/payments?limit=1", AUTH)["data"][0]["id"]
    return [
        Case("GET by id", "GET", f"/v1/payments/{payment_id}", AUTH, None, 200),
        Case("list (page of 20)", "GET", "/v1/payments?page=1&limit=20", AUTH, None, 200),
        Case("create", "POST", COLLECT, {**AUTH, **JSON}, BODY, 200),
        Case("invalid create", "POST", COLLECT, {**AUTH, **JSON}, '{"amount": "abc"}', 400),
        Case("missing auth", "GET", f"/v1/payments/{payment_id}", {}, None, 401),
    ]
