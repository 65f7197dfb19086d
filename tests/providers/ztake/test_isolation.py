"""Vendors never see each other's orders, payments, payouts or chat sessions: a foreign id
answers exactly like a missing one."""

from __future__ import annotations

from tests.providers.ztake.helpers import DOC_ORDER_BODY, UTR, confirm, create_order, submit


def test_orders_and_payments_are_isolated(ztake, ztake_b, public, dashboard, dashboard_b):
    order_id = create_order(ztake)["ztakeOrderId"]
    foreign = ztake_b.get(f"/api/v1/orders/{order_id}")
    missing = ztake_b.get("/api/v1/orders/ZTK0000000000")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["code"] == missing.json()["code"] == "order_not_found"
    submit(public, order_id)
    not_theirs = confirm(ztake_b, vendor_code="ZV1002")
    assert not_theirs.status_code == 404 and not_theirs.json()["code"] == "payment_not_found"
    utrs_a = {p["utr"] for p in dashboard.get("/api/vendor/payments?limit=100").json()["payments"]}
    utrs_b = {
        p["utr"] for p in dashboard_b.get("/api/vendor/payments?limit=100").json()["payments"]
    }
    assert UTR in utrs_a and UTR not in utrs_b and not utrs_a & utrs_b
    assert dashboard_b.get("/api/vendor/payment-info").json()["upi_id"] == "techmartexpress@ybl"


def test_a_vendor_cannot_create_orders_for_another(ztake):
    response = ztake.post(
        "/api/v1/orders",
        json={**DOC_ORDER_BODY, "vendorCode": "ZV1002"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "vendor_code_mismatch"


def test_merchant_order_ids_are_per_vendor(ztake, ztake_b):
    a = create_order(ztake)
    b = create_order(ztake_b, vendorCode="ZV1002")
    assert a["ztakeOrderId"] != b["ztakeOrderId"]


def test_chat_sessions_and_answers_are_isolated(ztake, ztake_b):
    session_id = ztake.post("/api/v2/chat/message", json={"message": "hi"}).json()["session_id"]
    foreign = ztake_b.get("/api/v2/chat/history", params={"session_id": session_id})
    assert foreign.status_code == 404
    joined = ztake_b.post("/api/v2/chat/message", json={"message": "hi", "session_id": session_id})
    assert joined.status_code == 404
    # ZV1002 asking about ZV1001's documented order gets the help answer, not its status.
    reply = ztake_b.post("/api/v2/chat/message", json={"message": "tech_3289138"}).json()
    assert reply["reply"].startswith("Hi, I'm ZiBot.")
