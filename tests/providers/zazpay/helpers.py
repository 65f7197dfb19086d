"""Request bodies of seed 001's examples and helpers shared by the ZazPay tests."""

from __future__ import annotations

from typing import Any

import httpx

M = "/merchants/9418"
CARD = f"{M}/gateways/2504/payments"  # direct card gateway: every action
PAYPAL = f"{M}/gateways/1/payments"  # offsite
LIMITED = f"{M}/gateways/2506/payments"  # Capture and Refund only
MANUAL = f"{M}/gateways/6100/payments"

# The auth example's form fields (currency_code spelling; buyer fields the argument list
# requires), with the sandbox's succeeding card.
PAYMENT: dict[str, str] = {
    "website_id": "123456",
    "currency_code": "USD",
    "amount": "100",
    "item_name": "Charge for test@example.com",
    "item_description": "Charge for test@example.com",
    "buyer_ip": "201.0.0.1",
    "buyer_email": "test@example.com",
    "buyer_address": "First Street",
    "buyer_city": "Chennai",
    "buyer_state": "Tamil Nadu",
    "buyer_country": "IN",
    "buyer_phone": "9999999999",
    "buyer_zip_code": "600001",
    "credit_card_number": "4111111111111111",
    "credit_card_expire": "10/2030",
    "credit_card_name_on_card": "Fred Barley",
    "credit_card_code": "123",
}

# The subscription create example's fields, with those the argument list requires.
SUBSCRIPTION = {
    "user_handle": "fred",
    "item_name": "Magazine",
    "item_description": "Monthly magazine",
    "buyer_email": "fred@example.com",
    "buyer_address": "First Street",
    "buyer_city": "Chennai",
    "buyer_country": "IN",
    "buyer_phone": "9999999999",
    "buyer_zip_code": "600001",
    "currency_code": "USD",
    "a3": "10.00",
    "p3": "1",
    "t3": "M",
}


def bits(response: httpx.Response) -> list[int]:
    """The bit positions of an answer's error code."""
    code = response.json()["error"]["code"]
    return [bit for bit in range(code.bit_length()) if code >> bit & 1] if code > 0 else []


def pay(client: httpx.Client, path: str, **changes: Any) -> dict[str, Any]:
    """Posts a payment (the example with changes; None drops a field) and returns it."""
    body = {k: v for k, v in {**PAYMENT, **changes}.items() if v is not None}
    response = client.post(path, data=body)
    assert response.status_code == 200, response.text
    return response.json()


def act(
    client: httpx.Client,
    payment: dict[str, Any],
    action: str,
    gateway: str = CARD,
    paykey: str | None = None,
) -> httpx.Response:
    """Posts an action (auth-capture, void, refund, marketplace-...) on a payment."""
    return client.post(
        f"{gateway}/{payment['id']}/{action}", data={"paykey": paykey or payment["paykey"]}
    )


def details(client: httpx.Client, payment_id: str) -> dict[str, Any]:
    """Payment details, read at the URL without the gateway segment."""
    response = client.get(f"{M}/payment/{payment_id}")
    assert response.status_code == 200, response.text
    return response.json()


def snapshot(sb) -> list[tuple]:
    """Every stored ZazPay resource with its state and version, to prove nothing changed."""
    rows = []
    for tenant in sb.runtime.tenants["zazpay"]:
        for kind in ("payment", "vault", "receiver", "subscription"):
            page = sb.runtime.store.query("zazpay", tenant.id, kind, limit=10_000)
            rows += [(kind, r.id, r.state, r.version) for r in page.records]
    return sorted(rows)
