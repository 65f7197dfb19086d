"""PayPal subscriptions: Initiated → Active on the sandbox's approval page → Canceled, with
each period's Captured payment as the sandbox clock passes it (trials first)."""

from __future__ import annotations

from urllib.parse import parse_qsl

import httpx
import pytest

from sandbox.providers.zazpay.signature import verify_ipn
from tests.providers.zazpay.helpers import M, bits, snapshot
from tests.providers.zwitch.helpers import press

W = f"{M}/websites/123456"
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


@pytest.fixture
def browser(sb):
    with httpx.Client(base_url=sb.url, timeout=30) as client:
        yield client


def _subscribe(zazpay, **changes) -> dict:
    response = zazpay.post(f"{W}/subscribe/create", data={**SUBSCRIPTION, **changes})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["subcription_status"] == "Initiated" and body["error"]["code"] == -4
    return body


def _read(zazpay, subscription_id: str) -> dict:
    response = zazpay.get(f"{M}/subscribe/{subscription_id}")
    assert response.status_code == 200, response.text
    return response.json()


def test_approval_then_monthly_payments_over_three_months(sb, zazpay, browser, control):
    notify = f"{sb.url}/_sandbox/inbox/zazpay-subs"
    created = _subscribe(zazpay, notify_url=notify)
    assert _read(zazpay, created["subscription_id"])["status"] == "Initiated"
    assert press(browser, created["gateway_callback_url"], "approve").status_code == 200
    read = _read(zazpay, created["subscription_id"])
    assert read["status"] == "Active" and len(read["payments"]) == 1
    sb.advance(92 * 86_400)  # mid-January to mid-April: three more periods begin
    read = _read(zazpay, created["subscription_id"])
    assert [(p["status"], p["amount"]) for p in read["payments"]] == [("Captured", 10)] * 4
    assert [p["created"][:10] for p in read["payments"]] == [
        "2024-01-15",
        "2024-02-15",
        "2024-03-15",
        "2024-04-15",
    ]
    control.post("/webhooks/deliver")
    received = control.get("/inbox/zazpay-subs").json()["data"]
    fields = [dict(parse_qsl(entry["body"])) for entry in received]
    # Deliveries to different resources go out concurrently: arrival order is not theirs.
    assert [f["subcription_status"] for f in fields if "subcription_status" in f] == ["Active"]
    assert [f["status"] for f in fields if "status" in f] == ["Captured"] * 4
    assert all(f["subscription_id"] == created["subscription_id"] for f in fields)
    assert all(verify_ipn("zazpay_test_secret", entry["body"]) for entry in received)
    read = _read(zazpay, created["subscription_id"])
    assert read["ipn"]["count"] == 1 and read["payments"][0]["ipn"]["count"] == 1


def test_trial_periods_come_first(sb, zazpay, browser):
    created = _subscribe(zazpay, a1="0", p1="7", t1="D", a2="5", p2="1", t2="W")
    press(browser, created["gateway_callback_url"], "approve")
    sb.advance(15 * 86_400)
    payments = _read(zazpay, created["subscription_id"])["payments"]
    # Free week (no payment), a 5.00 week, then the regular 10.00 month.
    assert [(p["amount"], p["created"][:10]) for p in payments] == [
        (5, "2024-01-22"),
        (10, "2024-01-29"),
    ]


def test_cancel_stops_the_payments_and_a_second_cancel_is_refused(sb, zazpay, browser):
    created = _subscribe(zazpay)
    press(browser, created["gateway_callback_url"], "approve")
    path = f"{W}/gateways/1/subscribe/{created['subscription_id']}/cancel"
    response = zazpay.put(path)
    assert response.status_code == 200 and response.json()["subcription_status"] == "Canceled"
    sb.advance(62 * 86_400)
    read = _read(zazpay, created["subscription_id"])
    assert read["status"] == "Canceled" and len(read["payments"]) == 1
    again = zazpay.put(path)
    assert (again.status_code, bits(again)) == (409, [45])


def test_subscription_errors_use_the_subscriptions_table(zazpay, zazpay_b, sb):
    before = snapshot(sb)
    response = zazpay.post(
        f"{W}/subscribe/create",
        data={**SUBSCRIPTION, "p3": "30", "a2": "5", "currency_code": "XXX"},
    )
    assert (response.status_code, bits(response)) == (400, [21, 24, 26, 39, 48])
    assert response.json()["error"]["message"][0] == "Posted invalid p3."
    missing = {k: v for k, v in SUBSCRIPTION.items() if k not in ("a3", "buyer_city")}
    response = zazpay.post(f"{W}/subscribe/create", data=missing)
    assert (response.status_code, bits(response)) == (400, [3, 7])
    assert zazpay_b.get(f"{M}/subscribe/210").status_code == 404
    assert zazpay.get(f"{M}/subscribe/999999").status_code == 404
    assert bits(zazpay.get(f"{M}/subscribe/999999")) == [45]
    assert snapshot(sb) == before


def test_the_seeded_subscription_renews_on_the_clock(sb, zazpay):
    read = _read(zazpay, "210")
    assert read["status"] == "Active" and len(read["payments"]) == 1
    sb.advance(31 * 86_400)
    payments = _read(zazpay, "210")["payments"]
    assert [(p["amount"], p["created"][:10]) for p in payments] == [
        (15, "2024-01-15"),
        (15, "2024-02-15"),
    ]


def test_the_control_api_lists_the_period_timer(sb, control):
    timers = control.get("/timers", params={"provider": "zazpay", "resource_id": "210"}).json()
    [timer] = [t for t in timers["data"] if t["kind"] == "subscription"]
    assert timer["event"] == "tick" and timer["due_at"].startswith("2024-02-15")
    assert timer["repeat"] == {
        "every_ms": None,
        "at": "next_charge_at",
        "left": None,
        "until": {"periods": {"gte": 120}},
    }
