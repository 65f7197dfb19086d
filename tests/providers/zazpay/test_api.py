"""Read operations, transport (suffixes, XML, HTTP Basic), tenant isolation, form
signatures, x/z-variables, marketplace money and bad input."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from tests.providers.zazpay.helpers import CARD, PAYMENT, M, act, bits, details, pay, snapshot

W = f"{M}/websites/123456"


def test_plan_websites_and_gateways_with_filters(zazpay):
    plan = zazpay.get(f"{W}/plan.json").json()
    assert plan["name"] == "Enterprise" and plan["error"] == {"code": 0, "message": []}
    sites = zazpay.get(f"{M}/websites").json()["websites"]
    assert [(s["id"], s["domain_name"]) for s in sites] == [("123456", "example.com")]
    listed = zazpay.get(f"{W}/gateways", params={"return_metadata": "true"}).json()
    ids = [g["id"] for group in listed["gateways"] for g in group["gateways"]]
    assert ids == [2504, 2506, 1, 6100] and listed["_metadata"]["total_count"] == 3  # groups
    auth_only = zazpay.get(f"{W}/gateways", params={"supported_actions": "Auth"}).json()
    assert [g["id"] for grp in auth_only["gateways"] for g in grp["gateways"]] == [2504, 1, 6100]
    inr = zazpay.get(
        f"{W}/gateways", params={"supported_currencies": "INR", "supported_countries": "IN"}
    ).json()
    assert [g["id"] for grp in inr["gateways"] for g in grp["gateways"]] == [2504, 6100]


def test_payment_details_at_both_urls_and_listings_with_the_php_client_suffix(zazpay):
    listed = zazpay.get(f"{M}/payments").json()
    first = listed["payments"][0]
    assert listed["_metadata"]["total_count"] >= 10
    statuses = {p["status"] for p in listed["payments"]}
    assert {
        "Authorized",
        "Captured",
        "Voided",
        "Refunded",
        "Canceled",
        "Error",
        "Initiated",
        "Pending",
    } <= statuses
    by_gateway = zazpay.get(f"{M}/gateways/{first['gateway']['id']}/payment/{first['id']}")
    assert by_gateway.json() == details(zazpay, str(first["id"]))
    suffixed = zazpay.get(f"{M}/payments?website_id=123456.json")
    assert suffixed.status_code == 200
    assert suffixed.json()["_metadata"]["total_count"] == listed["_metadata"]["total_count"]
    assert zazpay.get(f"{M}/payments", params={"website_id": "999"}).status_code == 404


def test_seeded_histories_are_consistent_with_statuses(zazpay):
    for payment in zazpay.get(f"{M}/payments").json()["payments"]:
        steps = payment["payment_histories"]
        assert steps and steps[-1]["status"] == payment["status"]
        assert steps[-1]["action"] == payment["action"]
        assert [s["created"] for s in steps] == sorted(s["created"] for s in steps)


def test_xml_answers_carry_the_same_data_errors_included(zazpay):
    answer = zazpay.get(f"{W}/plan.xml")
    assert answer.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(answer.content)
    assert root.findtext("name") == "Enterprise" and root.findtext("error/code") == "0"
    missing = zazpay.get(f"{M}/payment/1.xml")
    assert missing.status_code == 404
    error = ElementTree.fromstring(missing.content)
    assert error.findtext("error/code") == "2" and error.findtext("error/message") == (
        "Permission Denied."
    )


def test_credentials_are_checked(anonymous, client_for):
    from tests.providers.zazpay.conftest import basic

    assert anonymous.get(f"{M}/websites").status_code == 401
    wrong = client_for("zazpay/api/v1", basic("9418", "zazpay_test_key_2"))
    response = wrong.get(f"{M}/websites")
    assert response.status_code == 401 and response.json()["error"]["code"] == 1


def test_tenant_isolation(zazpay, zazpay_b, sb):
    mine = pay(zazpay, f"{CARD}/auth")
    vault = zazpay.get(f"{W}/vaults").json()["vaults"][0]
    before = snapshot(sb)
    # 9419 naming 9418 in the path answers like a missing merchant.
    assert zazpay_b.get(f"{M}/payment/{mine['id']}").status_code == 404
    assert zazpay_b.get(f"{W}/vaults").status_code == 404
    assert zazpay_b.get(f"{W}/receiver_accounts/12434").status_code == 404
    assert zazpay_b.get(f"{M}/subscribe/210").status_code == 404
    assert act(zazpay_b, mine, "void").status_code == 404
    # Under its own merchant id, 9418's ids are unknown.
    own = "/merchants/9419"
    assert zazpay_b.get(f"{own}/payment/{mine['id']}").status_code == 404
    assert zazpay_b.delete(f"{own}/websites/223456/vaults/{vault['id']}").status_code == 404
    response = zazpay_b.post(
        f"{own}/gateways/2504/payments/{mine['id']}/void", data={"paykey": mine["paykey"]}
    )
    assert (response.status_code, bits(response)) == (404, [41])
    assert zazpay_b.get(f"{own}/websites/123456/plan").status_code == 404
    assert snapshot(sb) == before


def _signed(fields: dict[str, str], secret: str = "zazpay_test_secret") -> dict[str, str]:
    text = "&".join(f"{k}={v}" for k, v in fields.items())
    return {**fields, "signature": hashlib.md5((secret + text).encode()).hexdigest()}


def test_form_signatures_are_checked_when_posted(zazpay, sb):
    assert pay(zazpay, f"{CARD}/auth", **_signed(PAYMENT))["status"] == "Authorized"
    before = snapshot(sb)
    response = zazpay.post(f"{CARD}/auth", data=_signed(PAYMENT, "zazpay_test_secret_2"))
    assert (response.status_code, bits(response)) == (400, [14])
    assert response.json()["error"]["message"] == ["Posted invalid signature."]
    vault = {
        "user_handle": "u",
        "email": "u@example.com",
        "credit_card_number": "4111111111111111",
        "credit_card_type": "visa",
        "credit_card_expire": "10/2030",
        "credit_card_name_on_card": "U",
        "address": "a",
        "city": "c",
        "state": "s",
        "country": "IN",
        "zip_code": "1",
        "phone": "1",
    }
    response = zazpay.post(f"{W}/vaults/type/cc", data={**vault, "signature": "0" * 32})
    assert (response.status_code, bits(response)) == (400, [6])
    assert snapshot(sb) == before
    assert zazpay.post(f"{W}/vaults/type/cc", data=_signed(vault)).status_code == 200


def test_x_and_z_variables_are_echoed_and_limited(zazpay):
    extra = {"x-user_id": "96722", "z-category": "Dress"}
    payment = pay(zazpay, f"{CARD}/auth", **extra)
    assert payment["x-vars"] == {"x-user_id": "96722"} and payment["z-vars"] == {
        "z-category": "Dress"
    }
    assert details(zazpay, payment["id"])["x-vars"] == {"x-user_id": "96722"}
    many = {**{f"x-v{i}": "1" for i in range(6)}, **{f"z-v{i}": "1" for i in range(6)}}
    response = zazpay.post(f"{CARD}/auth", data={**PAYMENT, **many})
    assert (response.status_code, bits(response)) == (400, [26, 27])


def test_marketplace_split_and_refund(zazpay):
    market = f"{CARD}"
    body = {
        **PAYMENT,
        "marketplace_receiver_id": "12434",
        "marketplace_receiver_amount": "60",
        "marketplace_variable_merchant_amount": "40",
        "marketplace_fees_payer": "merchant",
    }
    payment = pay(zazpay, f"{market}/marketplace-capture", **body)
    assert payment["receiver"] == {"id": "12434", "amount": "60.00"}
    assert payment["marketplace_variable_merchant_amount"] == 40
    assert payment["marketplace_fixed_merchant_amount"] == ""
    refunded = act(zazpay, payment, "marketplace-refund").json()
    back = refunded["refunded_from"]
    assert sum(Decimal(part["amount"]) for part in back) == Decimal("100.00")
    assert back[0] == {"marketplace_receiver_id": "12434", "amount": "60.00"}
    read = details(zazpay, payment["id"])
    assert read["marketplace"]["receiver_amount"] == "60.00"
    assert read["action"] == "Marketplace-Refund"
    # A simple action on a marketplace payment is an invalid action.
    response = act(zazpay, pay(zazpay, f"{market}/marketplace-auth", **body), "void")
    assert (response.status_code, bits(response)) == (409, [13])
    wrong = {**body, "marketplace_receiver_amount": "70"}
    response = zazpay.post(f"{market}/marketplace-capture", data=wrong)
    assert (response.status_code, bits(response)) == (400, [34])
    response = zazpay.post(
        f"{market}/marketplace-capture", data={**body, "marketplace_receiver_id": "1"}
    )
    assert (response.status_code, bits(response)) == (400, [31])


@pytest.mark.parametrize(
    "path, body",
    [
        (f"{CARD}/auth", {"amount": "1e5"}),
        (f"{CARD}/auth", {"website_id": "x" * 5000}),
        (f"{CARD}/auth", {"credit_card_number": "\u0000"}),
        (f"{CARD}/8501/refund", {}),
        (f"{W}/subscribe/create", {"a3": "-1"}),
        (f"{W}/vaults/type/cc", {"country": "India"}),
    ],
)
def test_bad_input_is_a_400_in_the_zazpay_shape_and_changes_nothing(zazpay, sb, path, body):
    before = snapshot(sb)
    base = PAYMENT if "payments" in path and "refund" not in path else {}
    response = zazpay.post(path, data={**base, **body})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] > 0 and error["message"]
    assert snapshot(sb) == before


def test_a_malformed_json_body_is_a_400(zazpay, sb):
    before = snapshot(sb)
    response = zazpay.post(
        f"{CARD}/auth", content=b"{", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == 1
    assert snapshot(sb) == before


def test_the_control_api_reads_and_moves_zazpay_resources(zazpay, control):
    payment = pay(zazpay, f"{CARD}/auth")
    found = control.get(f"/resources/zazpay/{payment['id']}").json()
    assert (found["tenant"], found["kind"], found["state"]) == ("9418", "payment", "authorized")
    moved = control.post(
        "/simulate",
        json={"provider": "zazpay", "resource_id": payment["id"], "event": "auth_capture"},
    )
    assert moved.status_code == 200 and moved.json()["state"] == "captured"
    read = details(zazpay, payment["id"])
    assert (read["status"], read["action"]) == ("Captured", "Auth-Capture")
