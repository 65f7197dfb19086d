"""A tenant never sees another tenant's data: a foreign id answers like a missing one."""

from __future__ import annotations

from tests.providers.zwitch.helpers import DOC_TOKEN_BODY, collect


def _error_without_id(response):
    body = response.json()
    body["error"]["message"] = body["error"]["message"].split("'")[0]
    return response.status_code, body


def test_lists_are_disjoint(zwitch, zwitch_b):
    a = {p["id"] for p in zwitch.get("/v1/payments", params={"limit": 100}).json()["data"]}
    b = {p["id"] for p in zwitch_b.get("/v1/payments", params={"limit": 100}).json()["data"]}
    assert a and b and not a & b


def test_a_foreign_payment_reads_exactly_like_a_missing_one(zwitch, zwitch_b):
    payment = collect(zwitch)
    foreign = zwitch_b.get(f"/v1/payments/{payment['id']}")
    missing = zwitch_b.get("/v1/payments/pay_0000000000000000")
    assert _error_without_id(foreign) == _error_without_id(missing)
    assert foreign.status_code == 404


def test_a_foreign_token_reads_exactly_like_a_missing_one(zwitch, zwitch_b):
    token = zwitch.post("/v1/pg/payment_token", json=DOC_TOKEN_BODY).json()
    foreign = zwitch_b.get(f"/v1/payments/token/{token['id']}/status")
    missing = zwitch_b.get("/v1/payments/token/pt_000000000000000/status")
    assert _error_without_id(foreign) == _error_without_id(missing)


def test_new_payments_show_only_to_their_tenant(zwitch, zwitch_b):
    payment = collect(zwitch)
    listed_b = zwitch_b.get("/v1/payments", params={"limit": 100}).json()["data"]
    assert payment["id"] not in {p["id"] for p in listed_b}
    assert zwitch.get("/v1/payments", params={"limit": 1}).json()["data"][0]["id"] == payment["id"]
