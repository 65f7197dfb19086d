"""Issue 10, item 8 (part): links never follow the Host header, hosted pages cannot be
framed or submitted from another site, and a 401 does not tell which half was wrong."""

from __future__ import annotations

import re

import pytest

from tests.providers.zwitch.helpers import COLLECT_PATH, DOC_COLLECT_BODY, collect


def test_the_payment_link_ignores_the_host_header(sb, client_for):
    port = sb.url.rsplit(":", 1)[1]
    client = client_for(
        "zwitch",
        {"Authorization": "Bearer ak_test_sandbox:sk_test_sandbox", "Host": "evil.localhost"},
    )
    payment = client.post(COLLECT_PATH, json=DOC_COLLECT_BODY).json()
    link = payment["upi_details"]["payment_link"]
    assert link == f"http://127.0.0.1:{port}/zwitch/hosted/pay/{payment['id']}"


def test_the_payment_link_uses_the_public_url(sandbox_with):
    sb = sandbox_with(public_url="https://sandbox.example.test/")
    with sb.client(headers={"Authorization": "Bearer ak_test_sandbox:sk_test_sandbox"}) as c:
        payment = c.post(f"/zwitch{COLLECT_PATH}", json=DOC_COLLECT_BODY).json()
    assert payment["upi_details"]["payment_link"].startswith("https://sandbox.example.test/zwitch/")


@pytest.mark.parametrize(
    "page", ["/", "/zwitch/hosted/pay/{id}", "/zwitch/hosted/account/acc_1234567890"]
)
def test_hosted_pages_cannot_be_framed_and_carry_a_policy(sb, zwitch, page):
    payment = collect(zwitch)
    with sb.client() as browser:
        answer = browser.get(page.format(id=payment["id"]))
    assert answer.status_code == 200
    assert answer.headers["x-frame-options"] == "DENY"
    policy = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
    assert "'unsafe-inline'" not in policy


def test_a_page_form_needs_that_pages_token(sb, zwitch):
    payment = collect(zwitch)
    link = payment["upi_details"]["payment_link"]
    other = collect(zwitch, merchant_reference_id="other")["upi_details"]["payment_link"]
    with sb.client() as browser:
        forged = browser.post(link, data={"action": "pay"})
        assert forged.status_code == 403
        foreign_token = re.search(r'name="csrf_token" value="(\w+)"', browser.get(other).text)
        reused = browser.post(link, data={"action": "pay", "csrf_token": foreign_token.group(1)})
        assert reused.status_code == 403
        assert zwitch.get(f"/v1/payments/{payment['id']}").json()["status"] == "pending"
        page = browser.get(link).text
        token = re.search(r'name="csrf_token" value="(\w+)"', page).group(1)
        paid = browser.post(link, data={"action": "pay", "csrf_token": token})
        assert paid.status_code == 302
    assert zwitch.get(f"/v1/payments/{payment['id']}").json()["status"] == "completed"


def test_a_401_does_not_tell_an_unknown_key_from_a_wrong_secret(client_for):
    answers = [
        client_for("zwitch", {"Authorization": f"Bearer {pair}"}).get("/v1/payments").json()
        for pair in ("ak_nope:sk_nope", "ak_test_sandbox:sk_wrong", "ak_test_other:sk_test_sandbox")
    ]
    assert answers[0] == answers[1] == answers[2]
    assert "credentials are invalid" in answers[0]["error"]["message"]
