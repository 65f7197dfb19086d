"""UPI collect over HTTP: the documented request, the lifecycle and its outcome triggers,
expiry by clock advance, idempotent references."""

from __future__ import annotations

from tests.providers.zwitch.helpers import ACCOUNT, COLLECT_PATH, DOC_COLLECT_BODY, collect
from tests.qrcodes import decode_data_uri


def test_the_documented_request_gets_the_documented_response(zwitch):
    payment = collect(zwitch)
    assert payment["id"].startswith("pay_")
    assert payment["account_id"] == ACCOUNT
    assert payment["amount"] == 100.5 and payment["currency"] == "INR"
    assert payment["status"] == "pending" and payment["payment_method"] == "upi"
    details = payment["upi_details"]
    assert details["upi_id"] == f"{ACCOUNT}@zwitch"
    assert details["merchant_name"] == "TechMart India"
    assert details["payment_link"].endswith(f"/zwitch/hosted/pay/{payment['id']}")
    assert decode_data_uri(details["qr_code"]) == (
        "upi://pay?pa=acc_1234567890%40zwitch&pn=TechMart%20India&am=100.50"
        f"&tr={payment['id']}&tn=Order%20%23123&cu=INR"
    )
    assert payment["remitter_vpa_handle"] == "payer@upi"
    assert payment["remark"] == "Order #123"
    assert payment["merchant_reference_id"] == "order_123"
    assert payment["metadata"] == DOC_COLLECT_BODY["metadata"]
    assert payment["created_at"] == "2024-01-15T10:00:00Z"
    assert payment["expires_at"] == "2024-01-15T10:30:00Z"
    assert "completed_at" not in payment


def test_only_amount_is_required_and_expiry_defaults_to_30_minutes(zwitch):
    response = zwitch.post(COLLECT_PATH, json={"amount": 1})
    assert response.status_code == 200
    payment = response.json()
    assert payment["expires_at"] == "2024-01-15T10:30:00Z"
    assert payment["amount"] == 1.0
    assert "remitter_vpa_handle" not in payment and "metadata" not in payment


def test_amounts_are_kept_to_the_paisa(zwitch):
    payment = collect(zwitch, amount=0.1 + 1.2, merchant_reference_id="paisa")
    assert payment["amount"] == 1.3
    assert collect(zwitch, amount=99.995, merchant_reference_id="half-up")["amount"] == 100.0


def test_success_payer_goes_pending_processing_completed_within_a_minute(sb, zwitch):
    payment = collect(zwitch, remitter_vpa_handle="success@upi")
    url = f"/v1/payments/{payment['id']}"
    assert zwitch.get(url).json()["status"] == "pending"
    sb.advance(10)
    processing = zwitch.get(url).json()
    assert processing["status"] == "processing"
    assert processing["upi_details"]["payer_vpa"] == "success@upi"
    assert processing["upi_details"]["transaction_id"].startswith("TXN")
    assert "completed_at" not in processing
    sb.advance(50)
    completed = zwitch.get(url).json()
    assert completed["status"] == "completed"
    assert completed["completed_at"] == "2024-01-15T10:00:30Z"
    assert completed["upi_details"]["transaction_id"] == processing["upi_details"]["transaction_id"]


def test_one_big_advance_fires_every_step_in_order(sb, zwitch, control):
    payment = collect(zwitch, remitter_vpa_handle="success@upi")
    sb.advance(3 * 3600)
    assert zwitch.get(f"/v1/payments/{payment['id']}").json()["completed_at"] == (
        "2024-01-15T10:00:30Z"
    )
    names = [
        e["name"]
        for e in control.get("/events", params={"resource_id": payment["id"]}).json()["data"]
    ]
    assert names == ["PaymentPending", "PaymentProcessing", "PaymentCompleted"]


def test_failure_payer_fails(sb, zwitch):
    payment = collect(zwitch, remitter_vpa_handle="failure@upi")
    sb.advance(60)
    failed = zwitch.get(f"/v1/payments/{payment['id']}").json()
    assert failed["status"] == "failed"
    assert "completed_at" not in failed


def test_any_other_payer_stays_pending_until_expiry(sb, zwitch):
    payment = collect(zwitch, remitter_vpa_handle="someone@okaxis", expiry_in_minutes=None)
    url = f"/v1/payments/{payment['id']}"
    sb.advance(29 * 60 + 59)
    assert zwitch.get(url).json()["status"] == "pending"
    sb.advance(1)
    assert zwitch.get(url).json()["status"] == "expired"


def test_expiry_follows_expiry_in_minutes(sb, zwitch):
    payment = collect(zwitch, expiry_in_minutes=1440, merchant_reference_id="day")
    assert payment["expires_at"] == "2024-01-16T10:00:00Z"
    sb.advance(23 * 3600)
    assert zwitch.get(f"/v1/payments/{payment['id']}").json()["status"] == "pending"
    sb.advance(3600)
    assert zwitch.get(f"/v1/payments/{payment['id']}").json()["status"] == "expired"


def test_expiry_through_the_control_api_clock(zwitch, control):
    payment = collect(zwitch, expiry_in_minutes=5)
    assert control.post("/clock/advance", json={"seconds": 300}).json()["fired"] >= 1
    assert zwitch.get(f"/v1/payments/{payment['id']}").json()["status"] == "expired"


def test_a_completed_payment_never_expires(sb, zwitch):
    payment = collect(zwitch, remitter_vpa_handle="success@upi", expiry_in_minutes=1)
    sb.advance(3600)
    assert zwitch.get(f"/v1/payments/{payment['id']}").json()["status"] == "completed"


def test_same_reference_and_details_return_the_same_payment(zwitch):
    first = collect(zwitch)
    total = zwitch.get("/v1/payments").json()["pagination"]["total"]
    again = collect(zwitch)
    assert again == first
    assert zwitch.get("/v1/payments").json()["pagination"]["total"] == total


def test_same_reference_with_other_details_is_a_conflict(sb, zwitch):
    first = collect(zwitch)
    response = zwitch.post(COLLECT_PATH, json={**DOC_COLLECT_BODY, "amount": 200})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "duplicate_reference" and error["field"] == "merchant_reference_id"
    assert first["id"] in error["message"]
    assert zwitch.get(f"/v1/payments/{first['id']}").json()["amount"] == 100.5


def test_references_are_per_tenant(zwitch, zwitch_b):
    first = collect(zwitch)
    other = zwitch_b.post("/v1/accounts/acc_2000000002/payments/upi/collect", json=DOC_COLLECT_BODY)
    assert other.status_code == 200 and other.json()["id"] != first["id"]


def test_the_second_account_of_a_tenant_can_collect(zwitch):
    response = zwitch.post("/v1/accounts/acc_1234567891/payments/upi/collect", json={"amount": 5})
    assert response.status_code == 200
    assert response.json()["upi_details"]["upi_id"] == "acc_1234567891@zwitch"


def test_an_account_the_keys_do_not_own_is_not_found(zwitch):
    for account in ("acc_2000000002", "acc_0000000000"):
        response = zwitch.post(f"/v1/accounts/{account}/payments/upi/collect", json={"amount": 5})
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "account_not_found"


def test_unknown_payment_is_not_found(zwitch):
    response = zwitch.get("/v1/payments/pay_doesnotexist")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "payment_not_found", "message": "No payment with id 'pay_doesnotexist'."}
    }


def test_each_qr_code_encodes_its_own_payment(zwitch, zwitch_b):
    """Not the account, not another payment: this payee, amount and reference."""
    long_remark = "Invoice 2024-0042 for six cartons of assorted spices and tea, paid by UPI"
    first = collect(zwitch, merchant_reference_id="qr_1", amount=1, remark=long_remark)
    second = collect(zwitch, merchant_reference_id="qr_2", amount=2500, remark=None)
    other = zwitch_b.post(
        "/v1/accounts/acc_2000000002/payments/upi/collect", json={"amount": 99.99}
    ).json()
    assert decode_data_uri(first["upi_details"]["qr_code"]) == (
        "upi://pay?pa=acc_1234567890%40zwitch&pn=TechMart%20India&am=1.00"
        f"&tr={first['id']}&tn=Invoice%202024-0042%20for%20six%20cartons%20of%20assorted%20spic"
        "&cu=INR"
    )
    assert decode_data_uri(second["upi_details"]["qr_code"]) == (
        "upi://pay?pa=acc_1234567890%40zwitch&pn=TechMart%20India&am=2500.00"
        f"&tr={second['id']}&cu=INR"
    )
    assert decode_data_uri(other["upi_details"]["qr_code"]) == (
        f"upi://pay?pa=acc_2000000002%40zwitch&pn=Kirana%20Express&am=99.99&tr={other['id']}&cu=INR"
    )
