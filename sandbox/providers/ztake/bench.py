"""ZTake's representative operations for the benchmark harness (benchmarks/run.py).

They use seed 000's own examples, which the sandbox seeds as the first vendor's documented
order (ZTK9182398129, UTR 652603702065), so each case answers the same on every server."""

from __future__ import annotations

import json
from typing import Any, Callable

from sandbox.benchcase import UNIQUE, Case

KEY = {"Authorization": "Bearer pk_test_ztake_ZV1001"}
JSON = {"Content-Type": "application/json"}
ORDER = "/api/v1/orders/ZTK9182398129"
# Seed 000's create-order body, with a merchantOrderId of its own on every request, so that
# each one creates an order (a repeated one would be answered as the idempotent retry).
BODY = json.dumps(
    {
        "merchantOrderId": f"merchant_{UNIQUE}",
        "amount": 500,
        "currency": "INR",
        "customerName": "Aravind Kumar",
        "returnUrl": "https://myshop.com/payment-result",
        "callbackUrl": "https://api.myshop.com/webhooks/payments",
        "vendorCode": "ZV1001",
    }
)
CHECK = json.dumps({"utr": "652603702065"})


def cases(fetch: Callable[[str, dict[str, str]], Any]) -> list[Case]:
    """The operations to measure (`fetch` is unused: the documented ids are seeded)."""
    return [
        Case("GET by id", "GET", ORDER, KEY, None, 200),
        Case("create", "POST", "/api/v1/orders", {**KEY, **JSON}, BODY, 200),
        Case("check by UTR", "POST", "/api/payments/check", JSON, CHECK, 200),
        Case("invalid create", "POST", "/api/v1/orders", {**KEY, **JSON}, '{"amount": "x"}', 400),
        Case("missing auth", "GET", ORDER, {}, None, 401),
    ]
