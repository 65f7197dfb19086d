"""Helpers shared by the Zwitch tests."""

from __future__ import annotations

import re
from typing import Any

ACCOUNT = "acc_1234567890"
COLLECT_PATH = f"/v1/accounts/{ACCOUNT}/payments/upi/collect"

# The request body of seed 002's "Create UPI Collect Request", unchanged.
DOC_COLLECT_BODY: dict[str, Any] = {
    "remitter_vpa_handle": "payer@upi",
    "amount": 100.50,
    "expiry_in_minutes": 30,
    "remark": "Order #123",
    "merchant_reference_id": "order_123",
    "metadata": {"order_id": "order_123", "customer_id": "cust_456"},
}

# The request body of seed 002's "Create Payment Token", unchanged.
DOC_TOKEN_BODY: dict[str, Any] = {
    "amount": 10.00,
    "currency": "INR",
    "mtx": "ORDER_2024_01_15_001",
    "contact_number": "9876543210",
    "email_id": "customer@example.com",
    "udf": {"key_1": "order_id", "key_2": "customer_id"},
    "sub_accounts_id": "sa_da4f9f84ac6d",
}


def collect(client, **changes: Any) -> dict[str, Any]:
    """Creates a UPI collect request (the document's body with changes) and returns it."""
    body = {**DOC_COLLECT_BODY, **changes}
    body = {k: v for k, v in body.items() if v is not None}
    response = client.post(COLLECT_PATH, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def snapshot(sb) -> list[tuple]:
    """Every stored Zwitch resource with its state and version, to prove nothing changed."""
    store = sb.runtime.store
    rows = []
    for tenant in sb.runtime.tenants["zwitch"]:
        for kind in ("upi_collect", "payment_token"):
            page = store.query("zwitch", tenant.id, kind, limit=10_000)
            rows += [(r.id, r.state, r.version) for r in page.records]
    return sorted(rows)


def press(browser, page: str, action: str, **options: Any):
    """Loads a hosted page and presses one of its buttons, as a browser would (with the
    page's form token)."""
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', browser.get(page).text)
    token = found.group(1) if found else ""
    return browser.post(page, data={"action": action, "csrf_token": token}, **options)
