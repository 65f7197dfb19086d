"""Layer.js payment tokens: creation on both paths, idempotent mtx, the lifecycle driven by
simulate and by the hosted checkout, the status check, expiry."""

from __future__ import annotations

import pytest

from tests.providers.zwitch.helpers import DOC_TOKEN_BODY, press

PATHS = ["/v1/pg/payment_token", "/v1/pg/sandbox/payment_token"]


def _token(zwitch, path=PATHS[1], **changes):
    response = zwitch.post(path, json={**DOC_TOKEN_BODY, **changes})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("path", PATHS)
def test_the_documented_request_gets_the_documented_token(zwitch, path):
    token = _token(zwitch, path)
    assert token["id"].startswith("pt_") and len(token["id"]) == 18
    assert token["entity"] == "payment_token" and token["status"] == "created"
    assert token["amount"] == "10.00" and token["currency"] == "INR"
    assert token["mtx"] == "ORDER_2024_01_15_001" and token["attempts"] == 0
    assert token["sub_accounts_id"] == "sa_da4f9f84ac6d"
    assert token["users_id"] == 366411705
    assert token["created_at"] == "2024-01-15 15:30:00"  # IST, the example's format
    assert token["udf"] == DOC_TOKEN_BODY["udf"]
    customer = token["customer"]
    assert customer["contact_number"] == "9876543210"
    assert customer["email_id"] == "customer@example.com"
    assert customer["id"].startswith("cs_") and customer["entity"] == "customer"


def test_the_same_customer_gets_the_same_customer_id(zwitch):
    first = _token(zwitch, mtx="ORDER_A_0001")
    second = _token(zwitch, mtx="ORDER_A_0002")
    other = _token(zwitch, mtx="ORDER_A_0003", contact_number="9123456780")
    assert first["customer"]["id"] == second["customer"]["id"] != other["customer"]["id"]


def test_same_mtx_and_details_return_the_same_token(zwitch):
    assert _token(zwitch) == _token(zwitch, PATHS[0])


def test_same_mtx_with_other_details_is_a_conflict(zwitch):
    _token(zwitch)
    response = zwitch.post(PATHS[1], json={**DOC_TOKEN_BODY, "amount": 11})
    assert response.status_code == 409
    assert response.json()["error"]["field"] == "mtx"


def test_status_check_before_any_attempt(zwitch):
    token = _token(zwitch)
    status = zwitch.get(f"/v1/payments/token/{token['id']}/status").json()
    assert status == {
        "payment_token_id": token["id"],
        "status": "created",
        "amount": 10.0,
        "currency": "INR",
        "created_at": "2024-01-15T10:00:00Z",
    }


def test_failed_attempt_then_paid(sb, zwitch, control):
    token = _token(zwitch)
    failed = control.post(
        "/simulate", json={"provider": "zwitch", "resource_id": token["id"], "event": "attempt"}
    )
    assert failed.status_code == 200 and failed.json()["state"] == "attempted"
    status = zwitch.get(f"/v1/payments/token/{token['id']}/status").json()
    assert status["status"] == "failed" and status["payment_id"].startswith("py_")
    assert "completed_at" not in status
    sb.advance(42)
    paid = control.post(
        "/simulate", json={"provider": "zwitch", "resource_id": token["id"], "event": "pay"}
    )
    assert paid.json()["state"] == "paid" and paid.json()["data"]["attempts"] == 2
    status = zwitch.get(f"/v1/payments/token/{token['id']}/status").json()
    assert status["status"] == "captured"
    assert status["payment_id"] != failed.json()["data"]["payment"]["id"]
    assert status["completed_at"] == "2024-01-15T10:00:42Z"
    again = zwitch.post(PATHS[1], json=DOC_TOKEN_BODY).json()
    assert again["status"] == "paid" and again["attempts"] == 2


def test_a_paid_token_cannot_be_paid_again(zwitch, control):
    token = _token(zwitch)
    body = {"provider": "zwitch", "resource_id": token["id"], "event": "pay"}
    assert control.post("/simulate", json=body).status_code == 200
    again = control.post("/simulate", json=body)
    assert again.status_code == 409
    assert again.json()["error"]["allowed"] == [] and again.json()["error"]["state"] == "paid"


def test_an_unused_token_expires_after_an_hour(sb, zwitch):
    token = _token(zwitch)
    sb.advance(3599)
    assert zwitch.get(f"/v1/payments/token/{token['id']}/status").json()["status"] == "created"
    sb.advance(1)
    assert zwitch.get(f"/v1/payments/token/{token['id']}/status").json()["status"] == "expired"
    assert zwitch.post(PATHS[1], json=DOC_TOKEN_BODY).json()["status"] == "expired"


def test_the_hosted_checkout_pays_a_token(sb, zwitch):
    token = _token(zwitch)
    page = f"{sb.url}/zwitch/hosted/layer/{token['id']}"
    with sb.client() as browser:
        assert "₹10.00" in browser.get(page).text
        result = press(browser, page, "pay")
        assert result.status_code == 200 and "paysandboxLayer" in result.text
    status = zwitch.get(f"/v1/payments/token/{token['id']}/status").json()
    assert status["status"] == "captured"


def test_layer_js_stand_in_is_served(sb):
    with sb.client() as browser:
        script = browser.get("/zwitch/hosted/layer.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert (
        "window.Layer" in script.text
        and f"{sb.url}/zwitch/hosted/layer/" in script.text.replace('" + "', "")
    )


def test_unknown_token_is_not_found(zwitch):
    response = zwitch.get("/v1/payments/token/pt_nope/status")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "payment_token_not_found"
