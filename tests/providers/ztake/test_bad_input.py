"""Bad input gets ZTake's error shape (`error` a string, `code`, `field`) with the
documented status, never a 500, and leaves nothing half-written."""

from __future__ import annotations

import pytest

from tests.providers.ztake.helpers import DOC_ORDER_BODY, create_order, snapshot

BAD_ORDERS = [
    ({"amount": 0}, "amount"),
    ({"amount": 100000.01}, "amount"),
    ({"amount": "500"}, "amount"),
    ({"currency": "USD"}, "currency"),
    ({"currency": "inr"}, "currency"),
    ({"vendorCode": "ZV10011"}, "vendorCode"),
    ({"vendorCode": "zv1001"}, "vendorCode"),
    ({"merchantOrderId": ""}, "merchantOrderId"),
    ({"merchantOrderId": "x" * 65}, "merchantOrderId"),
    ({"customerName": "   "}, "customerName"),
    ({"returnUrl": "myshop.com/result"}, "returnUrl"),
    ({"callbackUrl": "ftp://api.myshop.com"}, "callbackUrl"),
    ({"customerName": None}, "customerName"),
]


@pytest.mark.parametrize("changes, field", BAD_ORDERS)
def test_bad_orders_are_400_naming_the_field(sb, ztake, changes, field):
    before = snapshot(sb)
    response = ztake.post("/api/v1/orders", json={**DOC_ORDER_BODY, **changes})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["success"] is False and body["code"] == "validation_error"
    assert isinstance(body["error"], str) and body["error"].startswith(f"{field}:")
    assert body["field"] == field
    assert snapshot(sb) == before


@pytest.mark.parametrize("missing", sorted(DOC_ORDER_BODY))
def test_every_documented_order_field_is_required(ztake, missing):
    body = {k: v for k, v in DOC_ORDER_BODY.items() if k != missing}
    response = ztake.post("/api/v1/orders", json=body)
    assert response.status_code == 400
    assert f"'{missing}' is a required property" in response.json()["error"]


@pytest.mark.parametrize("utr", ["12345678901", "1234567890123", "12345678901a", 123456789012])
def test_a_utr_must_be_12_digits_everywhere(sb, ztake, public, utr):
    order_id = create_order(ztake)["ztakeOrderId"]
    before = snapshot(sb)
    for response in (
        public.post(f"/api/v1/orders/{order_id}/submit-utr", json={"utr": utr}),
        public.post("/api/payments/check", json={"utr": utr}),
        ztake.post(
            "/api/payments/update", json={"utr": utr, "amount": 500, "vendor_code": "ZV1001"}
        ),
    ):
        assert response.status_code == 400, response.text
        assert response.json()["field"] == "utr"
    assert snapshot(sb) == before


def test_bad_paths_and_queries(ztake, dashboard, public):
    assert ztake.get("/api/v1/orders/12345").status_code == 400
    assert public.post("/api/v1/orders/ZTK12/submit-utr", json={"utr": "1" * 12}).status_code == 400
    for query in ("page=0", "limit=101", "limit=abc"):
        response = dashboard.get(f"/api/vendor/payments?{query}")
        assert response.status_code == 400 and response.json()["code"] == "validation_error"
    far = dashboard.get("/api/vendor/payments?page=1000000&limit=100").json()
    assert far["payments"] == [] and far["pagination"]["total"] > 0
    assert ztake.get("/api/v2/chat/history").status_code == 400
    assert ztake.get("/api/v2/chat/history?session_id=abc").status_code == 400


def test_bodies_that_are_not_json(sb, ztake, public):
    before = snapshot(sb)
    form = ztake.post("/api/v1/orders", data={"amount": "500"})
    assert form.status_code == 415 and isinstance(form.json()["error"], str)
    broken = public.post(
        "/api/payments/check", content=b'{"utr": ', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    empty = public.post(
        "/api/auth/login", content=b"", headers={"Content-Type": "application/json"}
    )
    assert empty.status_code == 400
    assert snapshot(sb) == before


def test_bad_chat_input(ztake, dashboard):
    assert ztake.post("/api/v2/chat/message", json={"message": ""}).status_code == 400
    assert ztake.post("/api/v2/chat/message", json={"message": "x" * 2001}).status_code == 400
    assert dashboard.post("/api/v2/chat/config", json={}).status_code == 400
    assert dashboard.post("/api/v2/chat/config", json={"is_active": "no"}).status_code == 400
    assert dashboard.post("/api/v2/chat/config", json={"bot_name": ""}).status_code == 400
    assert dashboard.get("/api/v2/chat/config").json()["config"]["bot_name"] == "ZiBot"


def test_undocumented_paths_and_methods_answer_in_ztakes_shape(ztake):
    missing = ztake.get("/api/v1/nothing")
    assert missing.status_code == 404 and isinstance(missing.json()["error"], str)
    wrong_method = ztake.delete("/api/v1/orders/ZTK9182398129")
    assert wrong_method.status_code == 405 and isinstance(wrong_method.json()["error"], str)
