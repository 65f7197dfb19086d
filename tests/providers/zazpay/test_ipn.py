"""IPN: form-encoded, signed as ZazPay's public client verifies, retried on the clock, and
reported in the payment's `ipn` block."""

from __future__ import annotations

from urllib.parse import parse_qsl

from sandbox.providers.zazpay.signature import verify_ipn
from tests.providers.zazpay.helpers import CARD, M, act, details, pay


def _inbox(control, name: str) -> list[dict]:
    control.post("/webhooks/deliver")
    return control.get(f"/inbox/{name}").json()["data"]


def test_every_step_is_posted_signed_to_notify_url(sb, zazpay, control):
    notify = f"{sb.url}/_sandbox/inbox/zazpay-shop"
    payment = pay(zazpay, f"{CARD}/auth", notify_url=notify, **{"x-order": "77"})
    act(zazpay, payment, "auth-capture")
    received = _inbox(control, "zazpay-shop")
    fields = [dict(parse_qsl(entry["body"])) for entry in received]
    assert [(f["status"], f["action"]) for f in fields] == [
        ("Authorized", "Auth"),
        ("Captured", "Auth-Capture"),
    ]
    first = fields[0]
    assert first["id"] == payment["id"] and first["paykey"] == payment["paykey"]
    assert (first["gateway_id"], first["amount"], first["error_code"]) == ("2504", "100.00", "0")
    assert first["x-order"] == "77"
    for entry in received:
        assert entry["headers"]["content-type"] == "application/x-www-form-urlencoded"
        assert verify_ipn("zazpay_test_secret", entry["body"])
        assert not verify_ipn("zazpay_test_secret_2", entry["body"])
    ipn = details(zazpay, payment["id"])["ipn"]
    assert ipn["count"] == 2 and ipn["latest_delivery_attempt_status"] == "Sent"


def test_a_receiver_down_then_up_gets_the_ipn_on_retry(sb, zazpay, control):
    control.put("/inbox/zazpay-down/status", json={"status": 503})
    notify = f"{sb.url}/_sandbox/inbox/zazpay-down"
    payment = pay(zazpay, f"{CARD}/capture", notify_url=notify)
    assert len(_inbox(control, "zazpay-down")) == 1
    ipn = details(zazpay, payment["id"])["ipn"]
    assert (ipn["count"], ipn["latest_delivery_attempt_status"]) == (1, "Failed")
    control.put("/inbox/zazpay-down/status", json={"status": 200})
    sb.advance(30)
    received = _inbox(control, "zazpay-down")
    assert len(received) == 2 and received[1]["status"] == 200
    ipn = details(zazpay, payment["id"])["ipn"]
    assert (ipn["count"], ipn["latest_delivery_attempt_status"]) == (2, "Sent")
    # The listing reads every row's deliveries at once, and says the same.
    listed = zazpay.get(f"{M}/payments", params={"website_id": "123456"}).json()["payments"]
    rows = {str(row["id"]): row["ipn"] for row in listed}
    assert rows[payment["id"]] == ipn
    assert all(
        row
        == {"count": 0, "latest_delivery_attempt_date": "", "latest_delivery_attempt_status": ""}
        for pid, row in rows.items()
        if pid != payment["id"]
    )
