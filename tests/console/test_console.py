"""The console at `/`, clicked through in Chromium: pay a payment with the transition
buttons → see its webhook → redeliver it → advance the clock; credentials and their curl
lines; the journal's filters and live tail; scenarios loaded and unloaded; data shown as
text, never as markup; a sandbox with a control token. Screenshots of each view are saved
under test-artifacts/console/."""

from __future__ import annotations

import shutil
import subprocess

import httpx
from playwright.sync_api import expect

from sandbox.server import Sandbox
from tests.console.conftest import WAIT_MS

ACCOUNT = "acc_1234567890"
ZWITCH = {"Authorization": "Bearer ak_test_sandbox:sk_test_sandbox"}
COLLECT = f"/zwitch/v1/accounts/{ACCOUNT}/payments/upi/collect"
SLOW_BANK = """name: console-slow-bank
description: UPI collects complete after 90 s
provider: zwitch
lifecycle:
  - machine: upi_collect
    timers:
      success:
        - {after: 30s, do: process}
        - {after: 90s, do: complete}
"""


def _collect(url: str, **body: object) -> dict:
    answer = httpx.post(url + COLLECT, headers=ZWITCH, json={"amount": 250, **body}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_pay_a_payment_see_its_webhook_redeliver_and_advance_the_clock(served, api, browser):
    page = browser.page
    page.goto(served.url + "/")
    expect(page.locator("#clock-now")).to_have_text("2024-01-15 10:00:00Z", timeout=WAIT_MS)
    expect(page.locator('[data-counts="zwitch"]')).to_contain_text("upi collect", timeout=WAIT_MS)
    browser.shot("01-overview")

    # Send the tenant's webhooks to the built-in inbox, from the console.
    page.goto(served.url + "/#/webhooks")
    row = page.locator(f'tr[data-endpoint="zwitch/{ACCOUNT}"]')
    row.locator("button.use-inbox").click()
    expect(row).to_contain_text("/_sandbox/inbox/console", timeout=WAIT_MS)

    # A payment created through the API, moved on with the console's transition buttons.
    payment = _collect(served.url, remitter_vpa_handle="nobody@upi")
    page.goto(f"{served.url}/#/resource/zwitch/{payment['id']}")
    expect(page.locator(".badge.big")).to_have_text("pending", timeout=WAIT_MS)
    expect(page.locator("#scheduled")).to_contain_text("expire")
    page.locator('#transitions button[data-event="process"]').click()
    expect(page.locator(".badge.big")).to_have_text("processing", timeout=WAIT_MS)
    page.locator('#transitions button[data-event="complete"]').click()
    expect(page.locator(".badge.big")).to_have_text("completed", timeout=WAIT_MS)
    expect(page.locator(".timeline")).to_contain_text("PaymentCompleted")
    captured = page.locator(".delivery-summary", has_text="payment_captured")
    expect(captured).to_contain_text("delivered", timeout=WAIT_MS)
    assert api.get(f"/resources/zwitch/{payment['id']}").json()["state"] == "completed"
    browser.shot("02-resource-completed")

    # The delivery: its attempt, answer, payload and signature; then redeliver it.
    page.goto(served.url + "/#/webhooks")
    summary = page.locator(".delivery-summary", has_text="payment_captured")
    expect(summary).to_contain_text("1 attempt", timeout=WAIT_MS)
    summary.click()
    delivery = page.locator("details.expand[open] .delivery")
    expect(delivery.locator("table.attempts tbody tr")).to_have_count(1)
    expect(delivery.locator("table.attempts")).to_contain_text("200")
    expect(delivery.locator("tr.marked")).to_contain_text("signature")
    expect(delivery.locator("pre.json")).to_contain_text('"event": "payment_captured"')
    expect(delivery.locator("pre.json")).to_contain_text(payment["id"])
    delivery.locator("button.redeliver").click()
    expect(page.locator(".toast", has_text="queued again")).to_be_visible(timeout=WAIT_MS)
    expect(summary).to_contain_text("2 attempts", timeout=WAIT_MS)
    expect(page.locator("details.expand[open] table.attempts tbody tr")).to_have_count(2)
    browser.shot("03-webhooks-redelivered")
    sent = api.get("/webhooks", params={"resource_id": payment["id"]}).json()["data"]
    assert [len(d["attempts"]) for d in sent if d["event"] == "payment_captured"] == [2]

    # The inbox got both copies, each with a verified signature.
    page.goto(served.url + "/#/inbox/console")
    verified = page.locator(".delivery-summary", has_text="signature verified")
    expect(verified.first).to_contain_text(f"zwitch:{ACCOUNT}", timeout=WAIT_MS)
    assert verified.count() >= 3  # pending, captured, captured again
    browser.shot("04-inbox")

    # Time travel: a payer that pays completes once a minute has passed.
    paid = _collect(served.url, remitter_vpa_handle="success@upi")
    page.goto(f"{served.url}/#/resources?provider=zwitch&tenant={ACCOUNT}&kind=upi_collect")
    line = page.locator(f'tr[data-id="{paid["id"]}"]')
    expect(line.locator(".badge")).to_have_text("pending", timeout=WAIT_MS)
    browser.shot("05-resources")
    page.locator('[data-advance="60"]').click()
    expect(page.locator("#clock-now")).to_have_text("2024-01-15 10:01:00Z", timeout=WAIT_MS)
    expect(page.locator(".toast", has_text="Advanced")).to_contain_text("fired")
    expect(line.locator(".badge")).to_have_text("completed", timeout=WAIT_MS)
    page.locator('[data-advance="3600"]').click()
    expect(page.locator("#clock-now")).to_have_text("2024-01-15 11:01:00Z", timeout=WAIT_MS)
    assert api.get("/clock").json()["now"] == "2024-01-15T11:01:00Z"
    page.goto(served.url + "/#/timers")
    expect(page.locator("table.timers")).to_contain_text("settle", timeout=WAIT_MS)
    browser.shot("06-timers")


def test_credentials_copy_buttons_and_a_curl_line_that_works(served, api, browser):
    page = browser.page
    browser.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.url)
    page.goto(served.url + "/#/credentials")
    tenant = page.locator(f'article.tenant[data-tenant="{ACCOUNT}"]')
    expect(tenant).to_contain_text("ak_test_sandbox:sk_test_sandbox", timeout=WAIT_MS)
    button = tenant.locator('button.copy[data-copy^="curl"]')
    expect(button).to_have_text("Copy curl")
    button.click()
    expect(button).to_have_text("Copied ✓")
    curl = page.evaluate("navigator.clipboard.readText()")
    assert curl.startswith(f"curl -s \\\n  '{served.url}/zwitch/v1/payments'")
    assert "-H 'Authorization: Bearer ak_test_sandbox:sk_test_sandbox'" in curl
    if shutil.which("curl"):
        ran = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, timeout=30)
        assert '"data"' in ran.stdout, ran.stdout + ran.stderr
    tenant.locator("tr", has_text="webhook_secret").get_by_role("button", name="Copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == "whsec_test_zwitch"
    # Every provider and tenant is there, each with its try-it request.
    for name in ("zwitch", "ztake", "zazpay", "zaakpay", "zoho"):
        card = page.locator(f'section.provider-card[data-provider="{name}"]')
        expect(card.locator("article.tenant")).to_have_count(2)
        expect(card.locator("pre.curl")).to_have_count(2)
    browser.shot("07-credentials")


def test_journal_filters_and_live_tail(served, api, browser):
    page = browser.page
    page.goto(served.url + "/#/journal?provider=zwitch")
    expect(page.locator("#journal-provider")).to_have_value("zwitch")
    expect(page.locator("#journal-live")).to_have_attribute("aria-pressed", "true")
    httpx.get(f"{served.url}/zwitch/v1/payments/pay_not_there", headers=ZWITCH, timeout=30)
    httpx.get(f"{served.url}/zoho/api/v1/payments", timeout=30)  # filtered out
    line = page.locator(".journal-line", has_text="/zwitch/v1/payments/pay_not_there")
    expect(line).to_be_visible(timeout=WAIT_MS)
    expect(line).to_contain_text("404")
    expect(page.locator(".journal-line", has_text="/zoho/")).to_have_count(0)
    line.click()
    exchange = page.locator("details.expand[open] .exchange")
    expect(exchange).to_contain_text("not_found")
    expect(exchange).to_contain_text("Bearer")  # the request's headers, the secret masked
    assert "sk_test_sandbox" not in exchange.inner_text()
    browser.shot("08-journal")

    # The status and path filters, through the form.
    page.locator("#journal-status").fill("200")
    page.locator("#journal-path").fill("/zwitch/v1/payments")
    page.locator("#journal-filters button[type=submit]").click()
    expect(page).to_have_url(
        f"{served.url}/#/journal?provider=zwitch&status=200&path=%2Fzwitch%2Fv1%2Fpayments"
    )
    expect(page.locator(".journal-line", has_text="pay_not_there")).to_have_count(0)
    httpx.get(f"{served.url}/zwitch/v1/payments", headers=ZWITCH, timeout=30)
    expect(page.locator(".journal-line").first).to_contain_text(
        "/zwitch/v1/payments", timeout=WAIT_MS
    )

    # Paused, nothing new comes in.
    page.locator("#journal-live").click()
    before = page.locator(".journal-line").count()
    httpx.get(f"{served.url}/zwitch/v1/payments?limit=3", headers=ZWITCH, timeout=30)
    page.wait_for_timeout(1500)  # the tail polls every second
    assert page.locator(".journal-line").count() == before


def test_load_and_unload_a_scenario(served, api, browser):
    page = browser.page
    page.goto(served.url + "/#/scenarios")
    expect(page.locator("#scenario-list")).to_contain_text("No scenario is loaded", timeout=WAIT_MS)
    page.locator("#scenario-text").fill("name: broken\nlifecycle: [{machine: nope}]\n")
    page.locator("#scenario-load").click()
    expect(page.locator("#scenario-problems")).to_contain_text("refused", timeout=WAIT_MS)
    assert api.get("/scenarios").json()["data"] == []
    page.locator("#scenario-text").fill(SLOW_BANK)
    page.locator("#scenario-load").click()
    loaded = page.locator('section.scenario[data-scenario="console-slow-bank"]')
    expect(loaded).to_contain_text("1 lifecycle override", timeout=WAIT_MS)
    expect(page.locator("#count-scenarios")).to_have_text("1", timeout=WAIT_MS)
    assert [s["name"] for s in api.get("/scenarios").json()["data"]] == ["console-slow-bank"]
    browser.shot("09-scenarios")
    loaded.locator("button.unload").click()
    expect(loaded).to_have_count(0, timeout=WAIT_MS)
    assert api.get("/scenarios").json()["data"] == []


def test_data_is_shown_as_text_never_as_markup(served, api, browser):
    page = browser.page
    trap = "<img src=x onerror=window.__pwned=1>"
    payment = _collect(served.url, remark=trap)
    page.goto(f"{served.url}/#/resource/zwitch/{payment['id']}")
    expect(page.locator("pre.json")).to_contain_text(trap, timeout=WAIT_MS)
    page.goto(served.url + "/#/journal")
    page.locator(".journal-line", has_text="/payments/upi/collect").first.click()
    expect(page.locator("details.expand[open] .exchange")).to_contain_text(trap)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src=x]").count() == 0
    csp = httpx.get(served.url + "/", timeout=30).headers["content-security-policy"]
    assert "connect-src 'self'" in csp and "unsafe-inline" not in csp


def test_a_sandbox_with_a_control_token_asks_for_it(browser):
    token = "console-test-token"
    with Sandbox(
        control_token=token, clock_frozen=True, clock_start="2024-01-15T10:00:00Z"
    ) as guarded:
        page = browser.page
        page.goto(guarded.url + "/")
        dialog = page.locator("#token-dialog")
        expect(dialog).to_be_visible(timeout=WAIT_MS)
        browser.shot("10-token-dialog")
        page.locator("#token-input").fill(token)
        page.locator("#token-form button[type=submit]").click()
        expect(dialog).to_be_hidden()
        expect(page.locator("#clock-now")).to_have_text("2024-01-15 10:00:00Z", timeout=WAIT_MS)
        page.goto(guarded.url + "/#/credentials")
        expect(page.locator(f'article.tenant[data-tenant="{ACCOUNT}"]')).to_be_visible(
            timeout=WAIT_MS
        )
        # Handed over in the address's fragment, the token never reaches a server log.
        other = browser.context.new_page()
        other.goto(f"{guarded.url}/#token={token}")
        expect(other.locator('[data-counts="zwitch"]')).to_contain_text(
            "upi collect", timeout=WAIT_MS
        )
        assert other.url.endswith("/#/") and token not in other.url
        expect(other.locator("#token-dialog")).to_be_hidden()
