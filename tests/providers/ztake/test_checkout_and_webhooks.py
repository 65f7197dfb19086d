"""The hosted checkout page (UPI id, amount, a real UPI QR code, the UTR form, the
redirect to returnUrl) and the signed status notifications sent to callbackUrl."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qs, urlsplit

from sandbox.webhooks import verify_signature
from tests.providers.ztake.helpers import UTR, confirm, create_order, submit
from tests.qrcodes import decode_data_uri, decode_page_qr


def test_the_checkout_page_shows_upi_id_amount_and_a_upi_qr_code(sb, ztake):
    created = create_order(ztake, amount=1250.5)
    with sb.client() as browser:
        page = browser.get(created["paymentUrl"])
    assert page.status_code == 200
    assert "techmart@ybl" in page.text and "₹1250.50" in page.text
    assert "TechMart India" in page.text
    order_id = created["ztakeOrderId"]
    intent = (
        "upi://pay?pa=techmart%40ybl&pn=TechMart%20India&am=1250.50"
        f"&tr={order_id}&tn={order_id}&cu=INR"
    )
    assert html.escape(intent) in page.text  # the intent link
    assert decode_page_qr(page.text) == intent  # and the QR code says the same


def test_the_payment_profile_qr_code_is_the_vendors_static_intent(dashboard):
    info = dashboard.get("/api/vendor/payment-info").json()
    assert info["upi_intent"] == "upi://pay?pa=techmart%40ybl&pn=TechMart%20India&cu=INR"
    assert decode_data_uri(info["qr_code"]) == info["upi_intent"]


def form_token(browser, link: str) -> str:
    """The page's form token, as a browser submitting its form sends it."""
    return re.search(r'name="csrf_token" value="(\w+)"', browser.get(link).text).group(1)


def test_a_form_from_elsewhere_is_refused(sb, ztake):
    link = create_order(ztake)["paymentUrl"]
    with sb.client() as browser:
        assert browser.post(link, data={"utr": UTR}).status_code == 403


def test_submitting_a_utr_on_the_page_then_confirmation_returns_the_customer(sb, ztake):
    created = create_order(ztake)
    link = created["paymentUrl"]
    with sb.client() as browser:
        token = form_token(browser, link)
        bad = browser.post(link, data={"utr": "12345", "csrf_token": token})
        assert bad.status_code == 400 and "12-digit" in bad.text
        posted = browser.post(link, data={"utr": UTR, "csrf_token": token}, follow_redirects=True)
        assert posted.status_code == 200 and "Pending" in posted.text and UTR in posted.text
        assert confirm(ztake).status_code == 200
        back = browser.get(link)
    assert back.status_code == 303
    target = urlsplit(back.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == "https://myshop.com/payment-result"
    assert parse_qs(target.query) == {
        "orderId": [created["ztakeOrderId"]],
        "merchantOrderId": ["merchant_3289138"],
        "status": ["Succeeded"],
    }


def test_a_utr_used_elsewhere_is_explained_on_the_page(sb, ztake, public):
    first = create_order(ztake)["ztakeOrderId"]
    submit(public, first)
    second = create_order(ztake, merchantOrderId="second")
    with sb.client() as browser:
        token = form_token(browser, second["paymentUrl"])
        page = browser.post(second["paymentUrl"], data={"utr": UTR, "csrf_token": token})
    assert page.status_code == 400 and "already submitted" in page.text
    assert ztake.get(f"/api/v1/orders/{second['ztakeOrderId']}").json()["order"]["status"] == (
        "Created"
    )


def test_an_unknown_order_page_is_a_404(sb):
    with sb.client() as browser:
        assert browser.get("/ztake/hosted/orders/ZTK0000000000").status_code == 404


def _inbox(control, name: str) -> list[dict]:
    control.post("/webhooks/deliver")
    return control.get(f"/inbox/{name}").json()["data"]


def test_status_notifications_go_to_the_callback_url_signed(sb, ztake, public, control):
    callback = f"{sb.url}/_sandbox/inbox/shop"
    order_id = create_order(ztake, callbackUrl=callback)["ztakeOrderId"]
    submit(public, order_id)
    sb.advance(60)
    confirm(ztake)
    received = _inbox(control, "shop")
    bodies = [json.loads(entry["body"]) for entry in received]
    assert [b["event"] for b in bodies] == ["order.pending", "order.succeeded"]
    assert bodies[1]["order"]["status"] == "Succeeded"
    assert bodies[1]["order"]["payment_time"] == "2024-01-15T10:01:00Z"
    assert bodies[1]["vendor_code"] == "ZV1001"
    for entry in received:
        raw = entry["body"].encode()
        assert verify_signature("ztake", raw, entry["headers"], "pk_test_ztake_ZV1001")
        assert not verify_signature("ztake", raw, entry["headers"], "pk_test_ztake_ZV1002")
        assert entry["verified_by"] == "ztake:ZV1001"


def test_expiry_is_notified_and_failed_deliveries_retry_on_the_clock(sb, ztake, control):
    control.put("/inbox/down/status", json={"status": 503})
    callback = f"{sb.url}/_sandbox/inbox/down"
    order_id = create_order(ztake, callbackUrl=callback)["ztakeOrderId"]
    sb.advance(30 * 60)
    assert len(_inbox(control, "down")) == 1
    sb.advance(29)
    assert len(_inbox(control, "down")) == 1  # the first retry is 30 s later
    control.put("/inbox/down/status", json={"status": 200})
    sb.advance(1)
    received = _inbox(control, "down")
    assert len(received) == 2 and received[1]["status"] == 200
    body = json.loads(received[1]["body"])
    assert body["event"] == "order.expired" and body["order"]["order_id"] == f"ord_{order_id[3:]}"
