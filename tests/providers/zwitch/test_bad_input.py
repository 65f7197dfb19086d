"""Bad input: a clear 4xx in Zwitch's error shape, never a 500, and the store unchanged."""

from __future__ import annotations

import pytest

from tests.providers.zwitch.helpers import COLLECT_PATH, DOC_COLLECT_BODY, DOC_TOKEN_BODY, snapshot

TOKEN_PATH = "/v1/pg/payment_token"

# (path, body or raw bytes, expected field or None, words the message must contain)
CASES = {
    "malformed JSON": (COLLECT_PATH, b'{"amount": 10,', None, "not valid JSON"),
    "NaN amount": (COLLECT_PATH, b'{"amount": NaN}', None, "NaN"),
    "huge number": (COLLECT_PATH, b'{"amount": 1e999}', None, "too large"),
    "not an object": (COLLECT_PATH, b"[1, 2]", None, "not of type 'object'"),
    "empty body": (COLLECT_PATH, b"", None, "request body is required"),
    "not UTF-8": (COLLECT_PATH, b'{"amount": "\xff"}', None, "not utf-8"),
    "amount as string": (COLLECT_PATH, {"amount": "100.50"}, "amount", "not of type 'number'"),
    "amount as bool": (COLLECT_PATH, {"amount": True}, "amount", "not of type 'number'"),
    "amount below minimum": (COLLECT_PATH, {"amount": 0.99}, "amount", "less than the minimum"),
    "amount above cap": (COLLECT_PATH, {"amount": 10_000_000.01}, "amount", "greater than"),
    "missing amount": (COLLECT_PATH, {"remark": "x"}, None, "'amount' is a required property"),
    "expiry zero": (
        COLLECT_PATH,
        {"amount": 5, "expiry_in_minutes": 0},
        "expiry_in_minutes",
        "less than the minimum",
    ),
    "expiry too long": (
        COLLECT_PATH,
        {"amount": 5, "expiry_in_minutes": 1441},
        "expiry_in_minutes",
        "greater than the maximum",
    ),
    "expiry fractional": (
        COLLECT_PATH,
        {"amount": 5, "expiry_in_minutes": 1.5},
        "expiry_in_minutes",
        "not of type 'integer'",
    ),
    "remark too long": (COLLECT_PATH, {"amount": 5, "remark": "x" * 101}, "remark", "too long"),
    "reference too long": (
        COLLECT_PATH,
        {"amount": 5, "merchant_reference_id": "r" * 65},
        "merchant_reference_id",
        "too long",
    ),
    "bad VPA": (
        COLLECT_PATH,
        {"amount": 5, "remitter_vpa_handle": "not a vpa"},
        "remitter_vpa_handle",
        "does not match",
    ),
    "metadata not object": (
        COLLECT_PATH,
        {"amount": 5, "metadata": "x"},
        "metadata",
        "not of type 'object'",
    ),
    "token missing fields": (TOKEN_PATH, {"amount": 10}, None, "is a required property"),
    "token currency": (
        TOKEN_PATH,
        {**DOC_TOKEN_BODY, "currency": "USD"},
        "currency",
        "is not one of ['INR']",
    ),
    "mtx too short": (TOKEN_PATH, {**DOC_TOKEN_BODY, "mtx": "ORD1"}, "mtx", "too short"),
    "mtx too long": (TOKEN_PATH, {**DOC_TOKEN_BODY, "mtx": "A" * 41}, "mtx", "too long"),
    "mtx punctuation": (
        TOKEN_PATH,
        {**DOC_TOKEN_BODY, "mtx": "ORDER-2024-01"},
        "mtx",
        "does not match",
    ),
    "contact 9 digits": (
        TOKEN_PATH,
        {**DOC_TOKEN_BODY, "contact_number": "987654321"},
        "contact_number",
        "does not match",
    ),
    "contact as number": (
        TOKEN_PATH,
        {**DOC_TOKEN_BODY, "contact_number": 9876543210},
        "contact_number",
        "not of type 'string'",
    ),
    "email": (
        TOKEN_PATH,
        {**DOC_TOKEN_BODY, "email_id": "customer.example.com"},
        "email_id",
        "is not a 'email'",
    ),
    "six udf pairs": (
        TOKEN_PATH,
        {**DOC_TOKEN_BODY, "udf": {f"k{i}": "v" for i in range(6)}},
        "udf",
        "too many properties",
    ),
    "udf value too long": (
        TOKEN_PATH,
        {**DOC_TOKEN_BODY, "udf": {"k": "v" * 257}},
        "udf.k",
        "too long",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_requests_get_a_clear_400_and_change_nothing(sb, zwitch, case):
    path, body, field, words = CASES[case]
    before = snapshot(sb)
    if isinstance(body, bytes):
        response = zwitch.post(path, content=body, headers={"Content-Type": "application/json"})
    else:
        response = zwitch.post(path, json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert words.lower() in error["message"].lower(), error["message"]
    assert error.get("field") == field
    assert snapshot(sb) == before


def test_mtx_with_underscores_is_accepted_as_in_the_documents_example(zwitch):
    assert zwitch.post(TOKEN_PATH, json=DOC_TOKEN_BODY).status_code == 200


def test_wrong_content_type_is_415(sb, zwitch):
    before = snapshot(sb)
    response = zwitch.post(
        COLLECT_PATH,
        content=b"amount=5",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert snapshot(sb) == before


@pytest.mark.parametrize(
    "path", ["/v1/payments/pay_x", "/v1/payments/token/pt_x/status", "/v1/payments/" + "x" * 64]
)
def test_unknown_ids_are_404(zwitch, path):
    response = zwitch.get(path)
    assert response.status_code == 404
    assert "No payment" in response.json()["error"]["message"]


def test_oversize_path_ids_are_400(zwitch):
    response = zwitch.get("/v1/payments/" + "x" * 65)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "id"


def test_unknown_endpoint_and_method_answer_in_zwitch_shape(zwitch):
    missing = zwitch.get("/v1/refunds")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = zwitch.delete("/v1/payments")
    assert wrong.status_code == 405 and "GET" in wrong.headers["allow"]
    assert wrong.json()["error"]["code"] == "method_not_allowed"


def test_a_valid_request_after_bad_ones_still_works(zwitch):
    zwitch.post(COLLECT_PATH, content=b"{", headers={"Content-Type": "application/json"})
    assert zwitch.post(COLLECT_PATH, json=DOC_COLLECT_BODY).status_code == 200
