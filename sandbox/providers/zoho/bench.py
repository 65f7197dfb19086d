"""Zoho's representative operations for the benchmark harness (benchmarks/run.py)."""

from __future__ import annotations

from typing import Any, Callable

from sandbox.benchcase import Case

AUTH = {"Authorization": "Zoho-oauthtoken 1000.sandbox.zoho.token"}
ACCOUNT = "account_id=23137556"


def cases(fetch: Callable[[str, dict[str, str]], Any]) -> list[Case]:
    """The operations to measure; `fetch(path, headers)` reads JSON from the target."""
    payment_id = fetch(f"/api/v1/payments?{ACCOUNT}&per_page=1", AUTH)["payments"][0]["payment_id"]
    return [
        Case("GET by id", "GET", f"/api/v1/payments/{payment_id}?{ACCOUNT}", AUTH, None, 200),
        Case("list (page of 25)", "GET", f"/api/v1/payments?{ACCOUNT}", AUTH, None, 200),
        Case(
            "list filtered",
            "GET",
            f"/api/v1/payments?{ACCOUNT}&status=Status.Succeeded&payment_method_type=upi",
            AUTH,
            None,
            200,
        ),
        Case("missing auth", "GET", f"/api/v1/payments?{ACCOUNT}", {}, None, 401),
    ]
