"""Receiver IPN: seed 001 gives a receiver's `notify_url` "information about the account
creation, in the form of Instant Payment Notification messages". The sandbox posts it
through the webhook outbox when an account is connected (the receiver's page or step 2)
or the receiver cancels on the gateway's page (receivers bit 10 "Canceled by User."),
signed with the merchant's secret (the URL is on the merchant's website)."""

from __future__ import annotations

from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
import pytest

from sandbox.providers.zazpay.signature import verify_ipn
from tests.providers.zazpay.helpers import M
from tests.providers.zwitch.helpers import press

W = f"{M}/websites/123456"
CANCELED = 2**10  # receivers bit 10 "Canceled by User."


@pytest.fixture
def browser(sb):
    with httpx.Client(base_url=sb.url, timeout=30) as client:
        yield client


def _create(sb, zazpay, inbox: str) -> dict:
    body = {
        "name": "Ravi",
        "email": "ravi@example.com",
        "notify_url": f"{sb.url}/_sandbox/inbox/{inbox}",
        "return_url": "https://example.com/return",
    }
    created = zazpay.post(f"{W}/gateways/2504/receiver_accounts", data=body)
    assert created.status_code == 200, created.text
    return created.json()


def _received(control, inbox: str) -> list[dict]:
    control.post("/webhooks/deliver")
    return control.get(f"/inbox/{inbox}").json()["data"]


def test_connecting_an_account_notifies_the_receiver_url(sb, zazpay, browser, control):
    receiver = _create(sb, zazpay, "zazpay-receiver")
    assert _received(control, "zazpay-receiver") == []  # step 1 connects nothing yet
    press(browser, receiver["gateways"][0]["gateway_callback_url"], "connect")
    zazpay.post(f"{W}/gateways/1/receiver_accounts/{receiver['id']}", data={})  # step 2
    received = _received(control, "zazpay-receiver")
    fields = [dict(parse_qsl(entry["body"], keep_blank_values=True)) for entry in received]
    assert [(f["receiver_id"], f["gateway_id"], f["status"]) for f in fields] == [
        (str(receiver["id"]), "2504", "Connected"),
        (str(receiver["id"]), "1", "Connected"),
    ]
    first = fields[0]
    assert (first["merchant_id"], first["website_id"]) == ("9418", "123456")
    assert (first["name"], first["email"]) == ("Ravi", "ravi@example.com")
    assert (first["error_code"], first["error_message"]) == ("0", "")
    for entry in received:
        assert entry["headers"]["content-type"] == "application/x-www-form-urlencoded"
        assert verify_ipn("zazpay_test_secret", entry["body"])
        assert not verify_ipn("zazpay_test_secret_2", entry["body"])
        assert entry["verified_by"] == "zazpay:9418"
    # Through the outbox: inspectable per receiver, like any IPN.
    deliveries = control.get(
        "/webhooks", params={"provider": "zazpay", "resource_id": str(receiver["id"])}
    ).json()["data"]
    assert sorted(d["event"] for d in deliveries) == ["ReceiverConnected"] * 2
    assert all(d["status"] == "delivered" for d in deliveries)


def test_a_receiver_who_cancels_on_the_gateway_page_is_reported(sb, zazpay, browser, control):
    receiver = _create(sb, zazpay, "zazpay-receiver-cancel")
    back = press(browser, receiver["gateways"][0]["gateway_callback_url"], "cancel")
    assert back.status_code == 302
    returned = parse_qs(urlsplit(back.headers["location"]).query)
    assert returned["error_code"] == [str(CANCELED)]
    [entry] = _received(control, "zazpay-receiver-cancel")
    fields = dict(parse_qsl(entry["body"], keep_blank_values=True))
    assert (fields["status"], fields["gateway_id"]) == ("Canceled", "2504")
    assert (fields["error_code"], fields["error_message"]) == (str(CANCELED), "Canceled by User.")
    assert verify_ipn("zazpay_test_secret", entry["body"])
    listed = zazpay.get(f"{W}/receiver_accounts/{receiver['id']}").json()
    assert listed["gateways"] == []  # nothing was connected


def test_a_connected_receiver_who_cancels_another_gateway_keeps_its_account(
    sb, zazpay, browser, control
):
    receiver = _create(sb, zazpay, "zazpay-receiver-keeps")
    zazpay.post(f"{W}/gateways/2504/receiver_accounts/{receiver['id']}", data={})
    # The connect page of another marketplace gateway (PayPal, 1) for the same receiver.
    page = receiver["gateways"][0]["gateway_callback_url"]
    other_page = page.replace(f"/{receiver['id']}/2504/", f"/{receiver['id']}/1/")
    assert other_page != page
    assert press(browser, other_page, "cancel").status_code == 302
    fields = [dict(parse_qsl(e["body"])) for e in _received(control, "zazpay-receiver-keeps")]
    assert [(f["gateway_id"], f["status"]) for f in fields] == [
        ("2504", "Connected"),
        ("1", "Canceled"),
    ]
    found = control.get(f"/resources/zazpay/{receiver['id']}").json()
    assert (found["state"], found["data"]["gateways"]) == ("connected", [2504])


def test_deleting_an_account_sends_no_receiver_ipn(sb, zazpay, control):
    receiver = _create(sb, zazpay, "zazpay-receiver-delete")
    for gateway in (2504, 1):
        zazpay.post(f"{W}/gateways/{gateway}/receiver_accounts/{receiver['id']}", data={})
    assert zazpay.delete(f"{W}/gateways/1/receiver_accounts/{receiver['id']}").is_success
    assert zazpay.delete(f"{W}/receiver_accounts/{receiver['id']}").is_success
    statuses = [
        dict(parse_qsl(e["body"]))["status"] for e in _received(control, "zazpay-receiver-delete")
    ]
    assert statuses == ["Connected", "Connected"]


def test_simulate_connects_a_named_gateway_and_refuses_one_without_marketplace(sb, zazpay, control):
    receiver = _create(sb, zazpay, "zazpay-receiver-simulated")
    simulate = {"provider": "zazpay", "resource_id": str(receiver["id"]), "event": "connect"}
    refused = control.post("/simulate", json={**simulate, "params": {"gateway_id": "6100"}})
    assert refused.status_code == 400 and "marketplace gateways" in refused.text
    moved = control.post("/simulate", json={**simulate, "params": {"gateway_id": 1}})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["state"], moved.json()["data"]["gateways"]) == ("connected", [1])
    [entry] = _received(control, "zazpay-receiver-simulated")
    fields = dict(parse_qsl(entry["body"], keep_blank_values=True))
    assert (fields["gateway_id"], fields["status"]) == ("1", "Connected")


def test_a_gateway_that_refuses_the_account_is_reported_with_bit_9(sb, zazpay, browser, control):
    receiver = _create(sb, zazpay, "zazpay-receiver-refused")
    back = press(browser, receiver["gateways"][0]["gateway_callback_url"], "gateway_error")
    assert back.status_code == 302
    returned = parse_qs(urlsplit(back.headers["location"]).query)
    assert returned["error_code"] == [str(2**9)]
    [entry] = _received(control, "zazpay-receiver-refused")
    fields = dict(parse_qsl(entry["body"], keep_blank_values=True))
    assert (fields["status"], fields["gateway_id"]) == ("Failed", "2504")
    assert (fields["error_code"], fields["error_message"]) == (str(2**9), "Gateway Error.")
    assert verify_ipn("zazpay_test_secret", entry["body"])
    listed = zazpay.get(f"{W}/receiver_accounts/{receiver['id']}").json()
    assert listed["gateways"] == []  # nothing was connected
    found = control.get(f"/resources/zazpay/{receiver['id']}").json()
    assert found["state"] == "initiated"
