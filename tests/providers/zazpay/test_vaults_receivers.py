"""Vaults (create, update, delete, every listing URL) and receiver accounts (both create
steps, listings, deletes), with their error tables."""

from __future__ import annotations

import httpx
import pytest

from tests.providers.zazpay.helpers import M, bits, snapshot
from tests.providers.zwitch.helpers import press

W = f"{M}/websites/123456"
VAULT = {
    "user_handle": "asha",
    "email": "asha@example.com",
    "credit_card_number": "4111111111111111",
    "credit_card_type": "visa",
    "credit_card_expire": "10/2030",
    "credit_card_name_on_card": "Asha",
    "address": "First Street",
    "city": "Chennai",
    "state": "Tamil Nadu",
    "country": "IN",
    "zip_code": "600001",
    "phone": "9999999999",
}
RECEIVER = {
    "name": "Ravi",
    "email": "ravi@example.com",
    "notify_url": "https://example.com/notify",
    "return_url": "https://example.com/return",
}


@pytest.fixture
def browser(sb):
    with httpx.Client(base_url=sb.url, timeout=30) as client:
        yield client


def test_vault_create_update_delete_and_every_listing(zazpay):
    created = zazpay.post(f"{W}/vaults/type/cc", data=VAULT)
    assert created.status_code == 200, created.text
    vault = created.json()
    assert vault["masked_cc"] == "************1111" and vault["user_handle"] == "asha"
    updated = zazpay.post(
        f"{W}/vaults/{vault['id']}",
        data={k: v for k, v in VAULT.items() if k not in ("credit_card_number", "credit_card_type")}
        | {"city": "Madurai"},
    )
    assert updated.status_code == 200 and updated.json()["vault_key"] == vault["vault_key"]
    for path in (
        f"{W}/vaults",
        f"{W}/vaults/type/cc",
        f"{W}/type/cc",
        f"{W}/users/asha/vaults",
        f"{W}/users/asha/vaults/type/cc",
    ):
        listed = zazpay.get(path).json()["vaults"]
        assert vault["id"] in [v["id"] for v in listed], path
    assert [v["user_handle"] for v in zazpay.get(f"{W}/users/asha/vaults").json()["vaults"]] == [
        "asha"
    ]
    deleted = zazpay.delete(f"{W}/vaults/{vault['id']}")
    assert deleted.json() == {"status": "success", "error": {"code": 0, "message": []}}
    assert zazpay.get(f"{W}/users/asha/vaults").json()["vaults"] == []
    again = zazpay.delete(f"{W}/vaults/{vault['id']}")
    assert (again.status_code, bits(again)) == (404, [9])
    assert again.json()["error"]["message"] == ["Posted invalid Vault ID."]


def test_vault_errors_use_the_vault_table(zazpay, sb):
    before = snapshot(sb)
    response = zazpay.post(f"{W}/vaults/type/cc", data={**VAULT, "country": "ZZ"})
    assert (response.status_code, bits(response)) == (400, [8])
    missing = {k: v for k, v in VAULT.items() if k != "email"}
    response = zazpay.post(f"{W}/vaults/type/cc", data=missing)
    assert (response.status_code, bits(response)) == (400, [7])
    response = zazpay.post(f"{M}/websites/999/vaults/type/cc", data=VAULT)
    assert (response.status_code, bits(response)) == (404, [4])
    assert snapshot(sb) == before


def test_receiver_two_steps_listings_and_deletes(zazpay, browser):
    created = zazpay.post(f"{W}/gateways/2504/receiver_accounts", data=RECEIVER)
    assert created.status_code == 200, created.text
    receiver = created.json()
    callback = receiver["gateways"][0]["gateway_callback_url"]
    assert receiver["websites"] == {"id": "123456", "name": "example.com"}
    listed = zazpay.get(f"{W}/receiver_accounts/{receiver['id']}").json()
    assert listed["gateways"] == []
    back = press(browser, callback, "connect")
    assert back.status_code == 302 and back.headers["location"].startswith(
        "https://example.com/return?"
    )
    listed = zazpay.get(f"{W}/gateways/2504/receiver_accounts/{receiver['id']}").json()
    assert listed["gateways"] == [{"id": 2504, "name": "Balanced"}]
    connected = zazpay.post(f"{W}/gateways/1/receiver_accounts/{receiver['id']}", data={})
    assert [g["id"] for g in connected.json()["gateways"]] == [1, 2504]
    gone = zazpay.delete(f"{W}/gateways/1/receiver_accounts/{receiver['id']}")
    assert gone.status_code == 200
    listed = zazpay.get(f"{W}/receiver_accounts/{receiver['id']}").json()
    assert [g["id"] for g in listed["gateways"]] == [2504]
    assert zazpay.delete(f"{W}/receiver_accounts/{receiver['id']}").status_code == 200
    assert zazpay.get(f"{W}/receiver_accounts/{receiver['id']}").status_code == 404


def test_receiver_errors_use_their_tables(zazpay, sb):
    before = snapshot(sb)
    wrong = {**RECEIVER, "notify_url": "https://evil.test/n", "return_url": "https://evil.test/r"}
    response = zazpay.post(f"{W}/gateways/2504/receiver_accounts", data=wrong)
    assert (response.status_code, bits(response)) == (400, [6, 7])
    assert response.json()["error"]["message"] == ["Mismatch Notify URL.", "Mismatch Return URL."]
    missing = {k: v for k, v in RECEIVER.items() if k not in ("name", "email")}
    response = zazpay.post(f"{W}/gateways/2504/receiver_accounts", data=missing)
    assert (response.status_code, bits(response)) == (400, [1, 2])
    assert response.json()["error"]["message"] == ["Missing Name.", "Missing Email."]
    # The document's receiver URL with the merchant id where the website id goes.
    response = zazpay.post(f"{M}/websites/9418/gateways/2504/receiver_accounts", data=RECEIVER)
    assert (response.status_code, bits(response)) == (404, [5])
    response = zazpay.post(f"{W}/gateways/2504/receiver_accounts/12434", data=wrong)
    assert (response.status_code, bits(response)) == (400, [6, 7])
    assert snapshot(sb) == before
