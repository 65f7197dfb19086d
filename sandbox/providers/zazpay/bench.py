"""ZazPay's representative operations for the benchmark harness (benchmarks/run.py): a form
body, suffixed paths and the website listing with the suffix after the query."""

from __future__ import annotations

import base64
from typing import Any, Callable
from urllib.parse import urlencode

from sandbox.benchcase import Case

AUTH = {"Authorization": "Basic " + base64.b64encode(b"9418:zazpay_test_key").decode()}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
M = "/api/v1/merchants/9418"
# The auth example's fields (seed 001), with the sandbox's succeeding card.
BODY = urlencode(
    {
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
)


def cases(fetch: Callable[[str, dict[str, str]], Any]) -> list[Case]:
    """The operations to measure (create: auth with a form body; GET by id: payment
    details); `fetch(path, headers)` reads JSON from the target."""
    payment_id = fetch(f"{M}/payments", AUTH)["payments"][0]["id"]
    # Prism serves the spec's paths only, so the compared cases go without the `.json`
    # suffix; the suffixed forms (served by the same fast path) are measured too, and
    # Prism's 404s there are marked as unexpected answers.
    return [
        Case("create", "POST", f"{M}/gateways/2504/payments/auth", {**AUTH, **FORM}, BODY, 200),
        Case("GET by id", "GET", f"{M}/payment/{payment_id}", AUTH, None, 200),
        Case("list (page of 20)", "GET", f"{M}/payments?website_id=123456", AUTH, None, 200),
        Case(
            "create (.json)",
            "POST",
            f"{M}/gateways/2504/payments/auth.json",
            {**AUTH, **FORM},
            BODY,
            200,
        ),
        Case(
            "list (.json after the query)",
            "GET",
            f"{M}/payments?website_id=123456.json",
            AUTH,
            None,
            200,
        ),
        Case(
            "invalid auth",
            "POST",
            f"{M}/gateways/2504/payments/auth.json",
            {**AUTH, **FORM},
            "amount=abc",
            400,
        ),
        Case("missing auth", "GET", f"{M}/payment/{payment_id}.json", {}, None, 401),
    ]
