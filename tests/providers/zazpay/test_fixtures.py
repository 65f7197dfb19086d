"""Fixture builders: `POST /_sandbox/resources` (and scenario fixtures) make every ZazPay
kind a test author seeds — payments (simple and marketplace, in any state: refunded
included), vaults, subscriptions and receivers — from the creating operation's body,
checked as the API checks it, back-dated and driven to a state."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qsl

from sandbox.providers.zazpay.signature import verify_ipn
from tests.providers.zazpay.helpers import PAYMENT, SUBSCRIPTION, M, details, snapshot

RECEIVER = {
    "name": "Ravi",
    "email": "ravi@example.com",
    "notify_url": "https://example.com/receivers/notify",
    "return_url": "https://example.com/receivers/return",
}
MARKETPLACE = {
    **PAYMENT,
    "marketplace_receiver_id": "12434",  # the seeded receiver, connected on gateway 2504
    "marketplace_receiver_amount": "80",
    "marketplace_fixed_merchant_amount": "20",
}


def _create(control, kind: str, body: dict, **options):
    return control.post(
        "/resources",
        json={"provider": "zazpay", "tenant": "9418", "kind": kind, "body": body, **options},
    )


def test_an_active_subscription_back_dated_has_paid_its_periods(control, zazpay):
    body = {**SUBSCRIPTION, "merchant_id": "9418", "website_id": "123456"}
    created = _create(control, "subscription", body, state="active", ago="40d")
    assert created.status_code == 201, created.text
    made = created.json()
    assert (made["kind"], made["state"]) == ("subscription", "active")
    read = zazpay.get(f"{M}/subscribe/{made['id']}").json()
    assert read["status"] == "Active" and read["created"].startswith("2023-12-06")
    # Approved 40 days ago: that period and the one that began a month later are paid.
    assert [(p["status"], p["amount"], p["created"][:10]) for p in read["payments"]] == [
        ("Captured", 10, "2023-12-06"),
        ("Captured", 10, "2024-01-06"),
    ]
    timers = control.get("/timers", params={"provider": "zazpay", "resource_id": made["id"]})
    [tick] = [t for t in timers.json()["data"] if t["kind"] == "subscription"]
    assert tick["due_at"].startswith("2024-02-06")


def test_a_subscription_fixture_awaits_approval_by_default(control, zazpay):
    body = {**SUBSCRIPTION, "website_id": "123456"}
    made = _create(control, "subscription", body).json()
    assert made["state"] == "initiated" and made["allowed_events"] == ["activate", "cancel"]
    read = zazpay.get(f"{M}/subscribe/{made['id']}").json()
    assert (read["status"], read["payments"]) == ("Initiated", [])


def test_fixture_bodies_are_checked_as_the_api_checks_them(control, sb):
    before = snapshot(sb)
    missing = {k: v for k, v in SUBSCRIPTION.items() if k != "a3"}
    refused = _create(control, "subscription", {**missing, "website_id": "123456"})
    assert refused.status_code == 400 and "'a3' is a required property" in refused.text
    too_long = {**SUBSCRIPTION, "website_id": "123456", "p3": "30"}
    refused = _create(control, "subscription", too_long)
    assert refused.status_code == 400 and "Posted invalid p3." in refused.text
    foreign = _create(
        control, "receiver", {**RECEIVER, "website_id": "223456", "gateway_id": "2504"}
    )
    assert foreign.status_code == 404 and "Invalid Website." in foreign.text
    no_amount = {k: v for k, v in MARKETPLACE.items() if k != "marketplace_receiver_amount"}
    refused = _create(control, "payment", {**no_amount, "gateway_id": "2504"})
    assert refused.status_code == 400
    assert "'marketplace_receiver_amount' is a required property" in refused.text
    assert snapshot(sb) == before


def test_a_connected_receiver_fixture_takes_marketplace_payments(sb, control, zazpay):
    notify = f"{sb.url}/_sandbox/inbox/zazpay-fixture-receiver"
    body = {**RECEIVER, "notify_url": notify, "website_id": "123456", "gateway_id": "2504"}
    made = _create(control, "receiver", body, state="connected")
    assert made.status_code == 201, made.text
    receiver = made.json()
    assert (receiver["state"], receiver["data"]["gateways"]) == ("connected", [2504])
    listed = zazpay.get(f"{M}/websites/123456/gateways/2504/receiver_accounts/{receiver['id']}")
    assert listed.json()["gateways"] == [{"id": 2504, "name": "Balanced"}]
    control.post("/webhooks/deliver")
    [ipn] = control.get("/inbox/zazpay-fixture-receiver").json()["data"]
    assert dict(parse_qsl(ipn["body"]))["status"] == "Connected"
    assert verify_ipn("zazpay_test_secret", ipn["body"])
    payment = _create(
        control,
        "payment",
        {**MARKETPLACE, "gateway_id": "2504", "marketplace_receiver_id": receiver["id"]},
        state="captured",
    )
    assert payment.status_code == 201, payment.text
    read = details(zazpay, payment.json()["id"])
    assert (read["status"], read["action"]) == ("Captured", "Marketplace-Capture")
    assert read["marketplace"]["receiver_id"] == receiver["id"]


def test_a_refunded_marketplace_payment_fixture_says_whom_the_money_came_back_from(control, zazpay):
    made = _create(control, "payment", {**MARKETPLACE, "gateway_id": "2504"}, state="refunded")
    assert made.status_code == 201, made.text
    payment = made.json()
    assert payment["data"]["action"] == "Marketplace-Refund"
    refunded_from = payment["data"]["refunded_from"]
    assert [entry.get("marketplace_receiver_id") for entry in refunded_from] == ["12434", None]
    back = sum(Decimal(entry["amount"]) for entry in refunded_from)
    assert back == Decimal(payment["data"]["amount"])
    read = details(zazpay, payment["id"])
    assert [h["status"] for h in read["payment_histories"]] == ["Captured", "Refunded"]
    # A refunded payment cannot be refunded again through the API.
    again = zazpay.post(
        f"{M}/gateways/2504/payments/{payment['id']}/marketplace-refund",
        data={"paykey": read["paykey"]},
    )
    assert again.status_code == 409


def test_a_receiver_fixture_on_a_gateway_without_marketplace_is_refused(control, sb):
    before = snapshot(sb)
    body = {**RECEIVER, "website_id": "123456", "gateway_id": "6100"}  # manual gateway
    refused = _create(control, "receiver", body)
    assert refused.status_code == 404
    assert snapshot(sb) == before
