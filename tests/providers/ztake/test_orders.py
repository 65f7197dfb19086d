"""The order lifecycle over HTTP: create (idempotent), submit a UTR, the vendor confirms,
payments/check follows every state on the sandbox clock, unconfirmed orders expire."""

from __future__ import annotations

from tests.providers.ztake.helpers import DOC_ORDER_BODY, UTR, confirm, create_order, submit


def test_the_documented_create_gets_the_documented_response(ztake):
    created = create_order(ztake)
    assert created["status"] == "success"
    assert created["merchantOrderId"] == "merchant_3289138"
    assert created["ztakeOrderId"].startswith("ZTK") and len(created["ztakeOrderId"]) == 13
    assert created["paymentUrl"].endswith(f"/ztake/hosted/orders/{created['ztakeOrderId']}")
    assert created["vendorCode"] == "ZV1001"
    assert created["authMethod"] == "api_key_vendor_code"
    assert created["expiresAt"] == "2024-01-15T10:30:00Z"


def test_get_order_by_either_id_form(ztake):
    created = create_order(ztake)
    digits = created["ztakeOrderId"][3:]
    for order_id in (created["ztakeOrderId"], f"ord_{digits}"):
        response = ztake.get(f"/api/v1/orders/{order_id}")
        assert response.status_code == 200
        order = response.json()["order"]
        assert order == {
            "order_id": f"ord_{digits}",
            "merchant_order_id": "merchant_3289138",
            "amount": 500,
            "currency": "INR",
            "status": "Created",
            "customer_name": "Aravind Kumar",
            "created_at": "2024-01-15T10:00:00Z",
            "expires_at": "2024-01-15T10:30:00Z",
        }


def test_a_repeat_with_the_same_details_returns_the_same_order(ztake):
    first = create_order(ztake)
    assert create_order(ztake) == first


def test_the_same_merchant_order_id_with_other_details_is_a_409(ztake):
    first = create_order(ztake)
    response = ztake.post("/api/v1/orders", json={**DOC_ORDER_BODY, "amount": 501})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_merchant_order_id"
    assert first["ztakeOrderId"] in body["error"] and body["field"] == "merchantOrderId"


def test_the_whole_flow_submit_confirm_check(sb, ztake, public):
    order_id = create_order(ztake)["ztakeOrderId"]
    submitted = submit(public, order_id)
    assert submitted.status_code == 200
    assert submitted.json() == {
        "success": True,
        "message": "UTR submitted and pending confirmation",
        "order": {"id": f"ord_{order_id[3:]}", "amount": 500, "status": "Pending", "utr": UTR},
    }
    check = public.post("/api/payments/check", json={"utr": UTR}).json()
    assert check == {
        "success": True,
        "status": "Pending",
        "amount": 500,
        "checked_at": "2024-01-15T10:00:00Z",
    }
    sb.advance(90)
    confirmed = confirm(ztake)
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["message"] == "Payment verified and updated successfully"
    assert body["payment"]["utr"] == UTR and body["payment"]["amount"] == 500
    assert body["payment"]["status"] == "completed"
    assert body["payment"]["payment_status"] == "Succeeded"
    assert isinstance(body["payment"]["id"], int)
    sb.advance(30)
    check = public.post("/api/payments/check", json={"utr": UTR}).json()
    assert check["status"] == "Succeeded" and check["checked_at"] == "2024-01-15T10:02:00Z"
    order = ztake.get(f"/api/v1/orders/{order_id}").json()["order"]
    assert order["status"] == "Succeeded" and order["utr"] == UTR
    assert order["payment_time"] == "2024-01-15T10:01:30Z"


def test_a_utr_confirms_at_most_one_payment(ztake, public):
    order_id = create_order(ztake)["ztakeOrderId"]
    assert submit(public, order_id).status_code == 200
    assert confirm(ztake).status_code == 200
    again = confirm(ztake)
    assert again.status_code == 409 and again.json()["code"] == "already_confirmed"
    other = create_order(ztake, merchantOrderId="second")["ztakeOrderId"]
    reused = submit(public, other)
    assert reused.status_code == 409 and reused.json()["code"] == "utr_already_used"
    assert ztake.get(f"/api/v1/orders/{other}").json()["order"]["status"] == "Created"


def test_the_documented_example_utr_is_seeded_as_a_succeeded_payment(public):
    check = public.post("/api/payments/check", json={"utr": "652603702065"})
    assert check.status_code == 200
    assert check.json()["status"] == "Succeeded" and check.json()["amount"] == 500


def test_resubmitting_the_same_utr_answers_the_same_and_another_is_a_409(ztake, public):
    order_id = create_order(ztake)["ztakeOrderId"]
    first = submit(public, order_id)
    assert submit(public, order_id).json() == first.json()
    other = submit(public, order_id, "999999999999")
    assert other.status_code == 409
    assert other.json()["code"] == "order_not_payable" and UTR in other.json()["error"]


def test_amount_and_vendor_code_must_match(ztake, public):
    order_id = create_order(ztake)["ztakeOrderId"]
    submit(public, order_id)
    wrong_amount = confirm(ztake, amount=499.99)
    assert wrong_amount.status_code == 400
    assert wrong_amount.json()["code"] == "amount_mismatch"
    assert "499.99" in wrong_amount.json()["error"] and "500.00" in wrong_amount.json()["error"]
    wrong_vendor = confirm(ztake, vendor_code="ZV1002")
    assert wrong_vendor.status_code == 400
    assert wrong_vendor.json()["code"] == "vendor_code_mismatch"
    assert ztake.get(f"/api/v1/orders/{order_id}").json()["order"]["status"] == "Pending"


def test_unconfirmed_orders_expire_on_the_clock(sb, ztake, public):
    unpaid = create_order(ztake)["ztakeOrderId"]
    pending = create_order(ztake, merchantOrderId="pending_one")["ztakeOrderId"]
    submit(public, pending)
    sb.advance(29 * 60 + 59)
    assert ztake.get(f"/api/v1/orders/{unpaid}").json()["order"]["status"] == "Created"
    sb.advance(1)
    assert ztake.get(f"/api/v1/orders/{unpaid}").json()["order"]["status"] == "Expired"
    assert ztake.get(f"/api/v1/orders/{pending}").json()["order"]["status"] == "Expired"
    assert public.post("/api/payments/check", json={"utr": UTR}).json()["status"] == "Expired"
    late = confirm(ztake)
    assert late.status_code == 409 and late.json()["state"] == "Expired"
    assert submit(public, unpaid, "111111111111").status_code == 409


def test_an_unknown_utr_is_a_404_everywhere(ztake, public):
    check = public.post("/api/payments/check", json={"utr": "000000000001"})
    assert check.status_code == 404 and check.json()["code"] == "payment_not_found"
    assert isinstance(check.json()["error"], str)
    update = confirm(ztake, utr="000000000001")
    assert update.status_code == 404 and update.json()["code"] == "payment_not_found"


def test_an_unknown_order_is_a_404(ztake, public):
    assert ztake.get("/api/v1/orders/ZTK0000000000").status_code == 404
    response = submit(public, "ord_0000000000")
    assert response.status_code == 404 and response.json()["code"] == "order_not_found"


def test_amounts_are_kept_to_the_paisa(ztake, public):
    order_id = create_order(ztake, merchantOrderId="paisa", amount=0.1 + 100.2)["ztakeOrderId"]
    assert ztake.get(f"/api/v1/orders/{order_id}").json()["order"]["amount"] == 100.3
    submit(public, order_id)
    assert confirm(ztake, amount=100.3).status_code == 200
