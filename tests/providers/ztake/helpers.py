"""Helpers shared by the ZTake tests."""

from __future__ import annotations

from typing import Any

# The request body of seed 000's "Orders API", unchanged.
DOC_ORDER_BODY: dict[str, Any] = {
    "merchantOrderId": "merchant_3289138",
    "amount": 500,
    "currency": "INR",
    "customerName": "Aravind Kumar",
    "returnUrl": "https://myshop.com/payment-result",
    "callbackUrl": "https://api.myshop.com/webhooks/payments",
    "vendorCode": "ZV1001",
}
# Seed 000's example UTR belongs to the seeded documented order; tests use fresh ones.
UTR = "123456789012"


def create_order(client, **changes: Any) -> dict[str, Any]:
    """Creates an order (the document's body with changes) and returns the response."""
    body = {**DOC_ORDER_BODY, **changes}
    response = client.post("/api/v1/orders", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def submit(public, order_id: str, utr: str = UTR):
    """Submits a UTR for an order through the public endpoint."""
    return public.post(f"/api/v1/orders/{order_id}/submit-utr", json={"utr": utr})


def confirm(client, utr: str = UTR, amount: Any = 500, vendor_code: str = "ZV1001"):
    """The vendor's payments/update."""
    return client.post(
        "/api/payments/update", json={"utr": utr, "amount": amount, "vendor_code": vendor_code}
    )


def snapshot(sb) -> list[tuple]:
    """Every stored ZTake resource with its state and version, to prove nothing changed."""
    store = sb.runtime.store
    rows = []
    for tenant in sb.runtime.tenants["ztake"]:
        for kind in ("order", "payment", "payout", "chat_session", "chat_config"):
            page = store.query("ztake", tenant.id, kind, limit=10_000)
            rows += [(r.id, r.state, r.version) for r in page.records]
    return sorted(rows)
