"""Reading a payment token and its payment the way public Layer.js integrations do:
`GET /v1/pg[/sandbox]/payment_token/{id}` and `.../payment`, paid only when `captured`."""

from __future__ import annotations

import re

import pytest

from tests.providers.zwitch.helpers import DOC_TOKEN_BODY

PREFIXES = ["/v1/pg/payment_token", "/v1/pg/sandbox/payment_token"]


def _token(zwitch, **changes):
    response = zwitch.post("/v1/pg/sandbox/payment_token", json={**DOC_TOKEN_BODY, **changes})
    assert response.status_code == 200, response.text
    return response.json()


def _checkout(sb, token_id, action):
    # The hosted Layer.js checkout, as the customer would press its buttons (the form
    # carries the page's token).
    browser = sb.client()
    link = f"/zwitch/hosted/layer/{token_id}"
    form_token = re.search(r'name="csrf_token" value="(\w+)"', browser.get(link).text).group(1)
    page = browser.post(link, data={"action": action, "csrf_token": form_token})
    assert page.status_code == 200, page.text


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_token_paid_at_the_checkout_reads_captured(sb, zwitch, prefix):
    token = _token(zwitch, amount=55.3)
    _checkout(sb, token["id"], "pay")
    read = zwitch.get(f"{prefix}/{token['id']}")
    assert read.status_code == 200
    assert read.json() == {**token, "status": "paid", "attempts": 1}
    payment = zwitch.get(f"{prefix}/{token['id']}/payment")
    assert payment.status_code == 200
    body = payment.json()
    assert body["id"].startswith("py_") and body["status"] == "captured"
    assert body["amount"] == "55.30" and body["currency"] == "INR"
    assert body["customer"] == token["customer"]
    assert body["payment_instrument"]["type"] == "upi"
    assert body["created_at"] == "2024-01-15T10:00:00Z"
    assert body["payment_token"] == {**token, "status": "paid", "attempts": 1}
    status = zwitch.get(f"/v1/payments/token/{token['id']}/status").json()
    assert status["payment_id"] == body["id"] and status["status"] == "captured"


@pytest.mark.parametrize("prefix", PREFIXES)
def test_an_unpaid_token_has_no_payment(zwitch, prefix):
    token = _token(zwitch)
    assert zwitch.get(f"{prefix}/{token['id']}").json()["status"] == "created"
    response = zwitch.get(f"{prefix}/{token['id']}/payment")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "payment_not_found"
    assert error["message"] == (
        f"Payment token '{token['id']}' has no payment yet (status 'created'): nobody has "
        "tried to pay it."
    )


def test_a_failed_attempt_is_a_payment_that_is_not_captured(sb, zwitch):
    token = _token(zwitch)
    _checkout(sb, token["id"], "fail")
    body = zwitch.get(f"/v1/pg/payment_token/{token['id']}/payment").json()
    assert body["status"] == "failed" and body["payment_token"]["status"] == "attempted"


@pytest.mark.parametrize("suffix", ["", "/payment"])
def test_unknown_and_foreign_tokens_are_not_found(zwitch, zwitch_b, suffix):
    token = _token(zwitch)
    for client, token_id in ((zwitch, "pt_missing"), (zwitch_b, token["id"])):
        response = client.get(f"/v1/pg/payment_token/{token_id}{suffix}")
        assert response.status_code == 404
        assert response.json()["error"] == {
            "code": "payment_token_not_found",
            "message": f"No payment token with id {token_id!r}.",
        }


def test_reading_needs_the_keys(client_for):
    response = client_for("zwitch").get("/v1/pg/payment_token/pt_missing/payment")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
