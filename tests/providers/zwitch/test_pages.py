"""The hosted payment-link page of a UPI collect request."""

from __future__ import annotations

import re

from tests.providers.zwitch.helpers import collect, press
from tests.qrcodes import decode_page_qr


def test_the_payment_link_page_shows_and_completes_the_payment(sb, zwitch, control):
    payment = collect(zwitch)
    link = payment["upi_details"]["payment_link"]
    assert link.startswith(sb.url)
    with sb.client() as browser:
        page = browser.get(link)
        assert page.status_code == 200 and "₹100.50" in page.text and "pending" in page.text
        paid = press(browser, link, "pay", follow_redirects=True)
        assert paid.status_code == 200 and "completed" in paid.text
    details = zwitch.get(f"/v1/payments/{payment['id']}").json()
    assert details["status"] == "completed" and details["completed_at"] == "2024-01-15T10:00:00Z"


def test_declining_fails_the_payment_and_a_second_click_explains_why_not(sb, zwitch):
    payment = collect(zwitch)
    link = payment["upi_details"]["payment_link"]
    with sb.client() as browser:
        # Both buttons pressed on the page as first loaded (its form token stays valid).
        token = re.search(r'name="csrf_token" value="(\w+)"', browser.get(link).text).group(1)
        browser.post(link, data={"action": "decline", "csrf_token": token})
        again = browser.post(link, data={"action": "pay", "csrf_token": token})
    assert "cannot complete" in again.text
    assert zwitch.get(f"/v1/payments/{payment['id']}").json()["status"] == "failed"


def test_unknown_payment_page_is_404(sb):
    with sb.client() as browser:
        assert browser.get("/zwitch/hosted/pay/pay_nope").status_code == 404


def test_landing_page_links_every_provider(sb):
    with sb.client() as browser:
        page = browser.get("/")
    assert page.status_code == 200 and "/zwitch/ui/" in page.text


def test_the_payment_page_shows_the_qr_code_of_the_payment(sb, zwitch):
    payment = collect(zwitch)
    with sb.client() as browser:
        page = browser.get(payment["upi_details"]["payment_link"])
    assert payment["upi_details"]["qr_code"] in page.text  # the API's image, the same bytes
    assert decode_page_qr(page.text).endswith(f"&tr={payment['id']}&tn=Order%20%23123&cu=INR")


def test_the_account_page_lists_its_open_requests(sb, zwitch):
    payment = collect(zwitch)
    with sb.client() as browser:
        page = browser.get("/zwitch/hosted/account/acc_1234567890")
        assert page.status_code == 200 and f"../pay/{payment['id']}" in page.text
        assert browser.get("/zwitch/hosted/account/acc_2000000099").status_code == 404
