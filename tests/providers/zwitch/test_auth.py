"""Bearer ACCESS_KEY:SECRET_KEY on every operation; 401s say what is wrong."""

from __future__ import annotations

import pytest

from tests.providers.zwitch.helpers import COLLECT_PATH, DOC_COLLECT_BODY, DOC_TOKEN_BODY

OPERATIONS = [
    ("POST", COLLECT_PATH, DOC_COLLECT_BODY),
    ("GET", "/v1/payments", None),
    ("GET", "/v1/payments/pay_1234567890", None),
    ("POST", "/v1/pg/payment_token", DOC_TOKEN_BODY),
    ("POST", "/v1/pg/sandbox/payment_token", DOC_TOKEN_BODY),
    ("GET", "/v1/payments/token/pt_676932b984f1203/status", None),
]

INVALID = "The API credentials are invalid."
BAD_CREDENTIALS = {
    "missing": ({}, "No authorization token provided"),
    "basic scheme": ({"Authorization": "Basic YWs6c2s="}, "No authorization token provided"),
    "no colon": ({"Authorization": "Bearer ak_test_sandbox"}, "must be ACCESS_KEY:SECRET_KEY"),
    # One message for an unknown key and a wrong secret: no answer tells which keys exist.
    "unknown key": ({"Authorization": "Bearer ak_nope:sk_nope"}, INVALID),
    "wrong secret": ({"Authorization": "Bearer ak_test_sandbox:sk_test_other"}, INVALID),
    "other tenant's secret": ({"Authorization": "Bearer ak_test_other:sk_test_sandbox"}, INVALID),
    "empty bearer": ({"Authorization": "Bearer"}, "Invalid authorization header"),
}


@pytest.mark.parametrize("method, path, body", OPERATIONS, ids=lambda v: str(v)[:40])
@pytest.mark.parametrize("case", BAD_CREDENTIALS, ids=str)
def test_bad_credentials_get_401_in_zwitch_shape(sb, client_for, method, path, body, case):
    headers, message = BAD_CREDENTIALS[case]
    before = len(sb.runtime.store.events(limit=10_000))
    response = client_for("zwitch", headers).request(method, path, json=body)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "unauthorized"
    assert message in error["message"]
    assert "Bearer ACCESS_KEY:SECRET_KEY" in error["message"]
    assert len(sb.runtime.store.events(limit=10_000)) == before


def test_non_ascii_credentials_are_refused_cleanly(client_for):
    response = client_for("zwitch", {"Authorization": "Bearer äk:sé".encode()}).get("/v1/payments")
    assert response.status_code == 401


def test_tenant_b_keys_work(zwitch_b):
    response = zwitch_b.get("/v1/payments")
    assert response.status_code == 200
    assert {p["account_id"] for p in response.json()["data"]} == {"acc_2000000002"}
