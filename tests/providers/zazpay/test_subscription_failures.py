"""Failed subscription payments (seed 001's bit 48 "Subscription Payment Failed", code
281474976710656): a subscription whose funding declines gets an Error payment per attempt,
reattempted as PayPal does (3 days, then 5 days after the failure; none when the next
period is within 14 days), and is canceled at the third failed attempt in a row; every
attempt and the cancellation is an IPN."""

from __future__ import annotations

from urllib.parse import parse_qsl

import httpx
import pytest

from sandbox.providers.zazpay.signature import verify_ipn
from tests.providers.zazpay.helpers import SUBSCRIPTION, M, details
from tests.providers.zwitch.helpers import press

W = f"{M}/websites/123456"
FAILED = 2**48  # 281474976710656, as the seed's failed subscription payment shows
DAY = 86_400


@pytest.fixture
def browser(sb):
    with httpx.Client(base_url=sb.url, timeout=30) as client:
        yield client


def _subscribe(zazpay, **changes) -> str:
    response = zazpay.post(f"{W}/subscribe/create", data={**SUBSCRIPTION, **changes})
    assert response.status_code == 200, response.text
    return response.json()


def _read(zazpay, subscription_id: str) -> dict:
    response = zazpay.get(f"{M}/subscribe/{subscription_id}")
    assert response.status_code == 200, response.text
    return response.json()


def _attempts(read: dict) -> list[tuple[str, str]]:
    """(status, day) of each payment (details list them oldest first)."""
    return [(p["status"], p["created"][:10]) for p in read["payments"]]


def _simulate(control, subscription_id: str, event: str) -> None:
    response = control.post(
        "/simulate",
        json={
            "provider": "zazpay",
            "resource_id": subscription_id,
            "kind": "subscription",
            "event": event,
        },
    )
    assert response.status_code == 200, response.text


def test_a_declining_card_fails_reattempts_and_cancels_with_ipn(sb, zazpay, browser, control):
    notify = f"{sb.url}/_sandbox/inbox/zazpay-failing"
    created = _subscribe(zazpay, notify_url=notify, **{"x-plan": "gold"})
    page = browser.get(created["gateway_callback_url"]).text
    assert "4000000000000002" in page  # the approval page offers the declining card
    assert press(browser, created["gateway_callback_url"], "approve_declining_card").is_success
    subscription_id = created["subscription_id"]
    read = _read(zazpay, subscription_id)
    assert read["status"] == "Active" and _attempts(read) == [("Error", "2024-01-15")]
    [failed] = read["payments"]
    assert failed["error"] == {"code": FAILED, "message": ["Subscription Payment Failed"]}
    assert "paykey" not in failed and failed["action"] == "Capture"
    # The payment reads the same way on its own and in the listing.
    own = details(zazpay, str(failed["id"]))
    assert (own["status"], own["error"]["code"]) == ("Error", FAILED)

    sb.advance(3 * DAY)  # the first reattempt, three days after the failure
    assert _attempts(_read(zazpay, subscription_id))[1:] == [("Error", "2024-01-18")]
    sb.advance(5 * DAY)  # the second, five days after that: the third failure cancels
    read = _read(zazpay, subscription_id)
    assert read["status"] == "Canceled"
    assert _attempts(read) == [
        ("Error", "2024-01-15"),
        ("Error", "2024-01-18"),
        ("Error", "2024-01-23"),
    ]
    sb.advance(90 * DAY)
    assert len(_read(zazpay, subscription_id)["payments"]) == 3
    timers = control.get("/timers", params={"provider": "zazpay", "resource_id": subscription_id})
    assert [t for t in timers.json()["data"] if t["kind"] == "subscription"] == []

    control.post("/webhooks/deliver")
    received = control.get("/inbox/zazpay-failing").json()["data"]
    assert all(verify_ipn("zazpay_test_secret", entry["body"]) for entry in received)
    fields = [dict(parse_qsl(entry["body"])) for entry in received]
    statuses = [f["subcription_status"] for f in fields if "subcription_status" in f]
    assert sorted(statuses) == ["Active", "Canceled"]
    payments = [f for f in fields if "status" in f]
    assert len(payments) == 3
    for ipn in payments:
        assert list(ipn)[:4] == ["id", "subscription_id", "user_handle", "action"]
        assert (ipn["subscription_id"], ipn["user_handle"]) == (subscription_id, "fred")
        assert (ipn["status"], ipn["error_code"]) == ("Error", str(FAILED))
        assert ipn["error_message"] == "Subscription Payment Failed"
        assert ipn["x-plan"] == "gold"
    assert _read(zazpay, subscription_id)["payments"][-1]["ipn"]["count"] == 1


def test_a_reattempt_that_pays_keeps_the_subscription_and_its_schedule(
    sb, zazpay, browser, control
):
    created = _subscribe(zazpay)
    subscription_id = created["subscription_id"]
    press(browser, created["gateway_callback_url"], "approve")
    _simulate(control, subscription_id, "decline_payments")  # the buyer's card stops paying
    sb.advance(31 * DAY)  # 2024-02-15: the second period fails
    sb.advance(3 * DAY)  # 2024-02-18: the first reattempt fails too
    _simulate(control, subscription_id, "accept_payments")
    sb.advance(5 * DAY)  # 2024-02-23: the second reattempt pays
    read = _read(zazpay, subscription_id)
    assert read["status"] == "Active"
    sb.advance(21 * DAY)  # 2024-03-15: the next period, on the original day of the month
    read = _read(zazpay, subscription_id)
    assert _attempts(read) == [
        ("Captured", "2024-01-15"),
        ("Error", "2024-02-15"),
        ("Error", "2024-02-18"),
        ("Captured", "2024-02-23"),
        ("Captured", "2024-03-15"),
    ]
    assert [p["error"]["code"] for p in read["payments"]] == [0, FAILED, FAILED, 0, 0]
    assert read["status"] == "Active"


def test_no_reattempt_when_the_next_period_is_within_14_days(sb, zazpay, browser):
    created = _subscribe(zazpay, p3="1", t3="W")
    press(browser, created["gateway_callback_url"], "approve_declining_card")
    sb.advance(20 * DAY)
    read = _read(zazpay, created["subscription_id"])
    # Weekly: each failure waits for the next period; the third in a row cancels.
    assert _attempts(read) == [
        ("Error", "2024-01-15"),
        ("Error", "2024-01-22"),
        ("Error", "2024-01-29"),
    ]
    assert read["status"] == "Canceled"


def test_a_free_trial_does_not_fail_and_a_success_clears_the_count(sb, zazpay, browser, control):
    created = _subscribe(zazpay, a1="0", p1="7", t1="D", p3="1", t3="W")
    subscription_id = created["subscription_id"]
    press(browser, created["gateway_callback_url"], "approve_declining_card")
    sb.advance(8 * DAY)  # the free week charges nothing; 2024-01-22's charge fails
    _simulate(control, subscription_id, "accept_payments")
    sb.advance(7 * DAY)  # 2024-01-29 pays
    _simulate(control, subscription_id, "decline_payments")
    sb.advance(14 * DAY)  # 02-05 and 02-12 fail: two in a row, not three
    read = _read(zazpay, subscription_id)
    assert _attempts(read) == [
        ("Error", "2024-01-22"),
        ("Captured", "2024-01-29"),
        ("Error", "2024-02-05"),
        ("Error", "2024-02-12"),
    ]
    assert read["status"] == "Active"


def test_payment_funding_transitions_need_an_active_subscription(zazpay, control):
    created = _subscribe(zazpay)
    response = control.post(
        "/simulate",
        json={
            "provider": "zazpay",
            "resource_id": created["subscription_id"],
            "kind": "subscription",
            "event": "decline_payments",
        },
    )
    assert response.status_code == 409
    assert response.json()["error"]["allowed"] == ["activate", "cancel"]
