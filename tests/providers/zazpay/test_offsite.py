"""Offsite gateways: Initiated (code -4) with a sandbox-served page where the buyer pays or
cancels (bit 25), then is sent back to success_url / cancel_url."""

from __future__ import annotations

import httpx
import pytest

from tests.providers.zazpay.helpers import PAYMENT, PAYPAL, bits, details
from tests.providers.zwitch.helpers import press

OFFSITE = {
    **{k: v for k, v in PAYMENT.items() if not k.startswith("credit_card")},
    "success_url": "https://example.com/paid",
    "cancel_url": "https://shop.example.com/canceled",
}


@pytest.fixture
def browser(sb):
    with httpx.Client(base_url=sb.url, timeout=30) as client:
        yield client


def _initiate(zazpay, action: str = "capture") -> dict:
    response = zazpay.post(f"{PAYPAL}/{action}", data=OFFSITE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "Initiated"
    assert body["error"] == {"code": -4, "message": ["Initiated without error"]}
    return body


def test_the_buyer_pays_on_the_sandbox_page_and_returns_to_success_url(zazpay, browser):
    payment = _initiate(zazpay)
    page = browser.get(payment["gateway_callback_url"])
    assert page.status_code == 200 and "Pay" in page.text
    done = press(browser, payment["gateway_callback_url"], "pay")
    assert done.status_code == 302
    assert done.headers["location"].startswith("https://example.com/paid?id=" + payment["id"])
    read = details(zazpay, payment["id"])
    assert read["status"] == "Captured" and "paykey" in read
    assert [h["status"] for h in read["payment_histories"]] == ["Initiated", "Captured"]


def test_an_offsite_auth_becomes_authorized(zazpay, browser):
    payment = _initiate(zazpay, "auth")
    assert press(browser, payment["gateway_callback_url"], "pay").status_code == 302
    assert details(zazpay, payment["id"])["status"] == "Authorized"


def test_the_buyer_cancels_and_returns_to_cancel_url_with_bit_25(zazpay, browser):
    payment = _initiate(zazpay)
    done = press(browser, payment["gateway_callback_url"], "cancel")
    assert done.status_code == 302
    assert done.headers["location"].startswith("https://shop.example.com/canceled?")
    assert f"error_code={2**25}" in done.headers["location"]
    assert details(zazpay, payment["id"])["status"] == "Canceled"
    # Nothing more can happen on the page.
    assert "<form" not in browser.get(payment["gateway_callback_url"]).text


def test_a_page_link_with_a_wrong_token_is_not_found(zazpay, browser):
    payment = _initiate(zazpay)
    assert browser.get(payment["gateway_callback_url"][:-3] + "abc").status_code == 404


def test_offsite_payments_need_both_return_urls(zazpay):
    body = {k: v for k, v in OFFSITE.items() if not k.endswith("_url")}
    response = zazpay.post(f"{PAYPAL}/capture", data=body)
    assert (response.status_code, bits(response)) == (400, [39, 40])
