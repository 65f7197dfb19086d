"""Helpful wrong turns (issue 14 item 6): a provider path without its prefix says which
prefix serves it, bare prefixes lead to their docs, hosted links that lead nowhere get a
styled page, the favicon, and Swagger UI's Authorize dialog holding the test credentials."""

from __future__ import annotations

import json
import re

import httpx
import pytest
import yaml

from sandbox.providers import load_providers
from sandbox.resources import spec_path
from sandbox.server import Sandbox


@pytest.mark.parametrize(
    "method, path, where",
    [
        ("GET", "/v1/payments", "/zwitch/v1/payments"),
        (
            "POST",
            "/v1/accounts/acc_1/payments/upi/collect",
            "/zwitch/v1/accounts/acc_1/payments/upi/collect",
        ),
        ("POST", "/api/v1/orders", "/ztake/api/v1/orders"),
        ("POST", "/api/v2/getSettlementReport", "/zaakpay/api/v2/getSettlementReport"),
        ("GET", "/api/v1/payments/173000002", "/zoho/api/v1/payments/173000002"),
        (
            "GET",
            "/api/v1/merchants/9418/payments.json",
            "/zazpay/api/v1/merchants/9418/payments.json",
        ),
        ("POST", "/reset", "/_sandbox/reset"),
        ("GET", "/v1/payments/", "/zwitch/v1/payments"),
    ],
)
def test_a_path_without_its_prefix_says_which_prefix_serves_it(sb, method, path, where):
    answer = httpx.request(method, sb.url + path)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"
    error = answer.json()["error"]
    assert error["code"] == "not_found" and error["did_you_mean"] == [where]
    assert error["message"].startswith(f"No such endpoint: {path}. Did you mean {where}? ")
    assert (
        "/zwitch (Zwitch), /ztake (ZTake)" in error["message"] and "/_sandbox" in error["message"]
    )


def test_a_path_under_another_providers_prefix_is_pointed_to_it(sb):
    answer = httpx.get(sb.url + "/ztake/v1/payments")
    assert answer.status_code == 404
    body = answer.json()  # ZTake's own error shape: the prefix decides it
    assert body["success"] is False and "Did you mean /zwitch/v1/payments?" in body["error"]


def test_unknown_paths_and_missing_resources_keep_their_answers(sb):
    unknown = httpx.get(sb.url + "/no/such/path").json()
    assert unknown == {
        "error": {
            "code": "not_found",
            "message": "No such endpoint. Check the path against the API reference.",
        }
    }
    missing = httpx.get(
        sb.url + "/zwitch/v1/payments/pay_nope",
        headers={"Authorization": "Bearer ak_test_sandbox:sk_test_sandbox"},
    ).json()
    assert missing["error"]["code"] == "payment_not_found"
    assert "Did you mean" not in missing["error"]["message"]


@pytest.mark.parametrize("mount", [*load_providers(), "_sandbox"])
@pytest.mark.parametrize("slash", ["", "/"])
def test_a_bare_prefix_leads_to_its_docs(sb, mount, slash):
    answer = httpx.get(f"{sb.url}/{mount}{slash}")
    assert answer.status_code == 302 and answer.headers["location"] == f"/{mount}/ui/"
    docs = httpx.get(f"{sb.url}/{mount}{slash}", follow_redirects=True)
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text


def test_the_control_docs_redirect_needs_no_control_token():
    with Sandbox(control_token="s3cret") as sb:
        assert httpx.get(sb.url + "/_sandbox/").status_code == 302
        assert httpx.get(sb.url + "/_sandbox/ui/").status_code == 200
        assert httpx.post(sb.url + "/_sandbox/").status_code == 401  # only reading is free


def test_the_favicon_is_an_svg_browsers_keep(sb):
    httpx.delete(sb.url + "/_sandbox/requests")
    for path in ("/favicon.ico", "/favicon.svg"):
        icon = httpx.get(sb.url + path)
        assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
        assert icon.content.startswith(b"<svg") and len(icon.content) < 1024
        assert "max-age=86400" in icon.headers["cache-control"]
        again = httpx.get(sb.url + path, headers={"If-None-Match": icon.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
    journal = httpx.get(sb.url + "/_sandbox/requests").json()["data"]
    assert not [entry for entry in journal if "favicon" in entry["path"]]  # not an exchange


def test_hosted_pages_link_the_favicon(sb, zwitch):
    payment = zwitch.post(
        "/v1/accounts/acc_1234567890/payments/upi/collect", json={"amount": 10}
    ).json()
    with sb.client() as browser:
        page = browser.get(payment["upi_details"]["payment_link"]).text
        console = browser.get("/").text
    icon = '<link rel="icon" type="image/svg+xml" href="/favicon.svg">'
    assert icon in page
    assert icon in console


@pytest.mark.parametrize(
    "path",
    [
        "/zwitch/hosted/pay/pay_nope",
        "/zwitch/hosted/no-such-page",
        "/ztake/hosted/orders/ZTK0000000000",
        "/zazpay/hosted/nothing",
    ],
)
def test_a_hosted_link_that_leads_nowhere_gets_a_styled_page(sb, path):
    with sb.client() as browser:
        page = browser.get(path)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    name = path.split("/")[1]
    title = load_providers()[name].title
    assert "<h1>Page not found</h1>" in page.text and f"a simulated {title} page" in page.text
    assert f"<code>{path}</code>" in page.text and f'href="/{name}/ui/"' in page.text
    # the page's style runs under the hosted pages' policy: only with the page's nonce
    nonce = re.search(r"style-src 'nonce-([^']+)'", page.headers["content-security-policy"])
    assert nonce and f'<style nonce="{nonce.group(1)}">' in page.text
    assert page.headers["x-frame-options"] == "DENY"


def test_every_hosted_style_carries_the_pages_nonce(sb, client_for):
    """A style without it is dropped by the browser (the ZTake checkout's was)."""
    ztake = client_for("ztake", {"Authorization": "Bearer pk_test_ztake_ZV1001"})
    order = ztake.post(
        "/api/v1/orders",
        json={
            "merchantOrderId": "nonce_1",
            "amount": 500,
            "currency": "INR",
            "customerName": "Asha",
            "returnUrl": "https://shop.example/back",
            "callbackUrl": "https://shop.example/hook",
            "vendorCode": "ZV1001",
        },
    ).json()
    with sb.client() as browser:
        page = browser.get(order["paymentUrl"])
    nonce = re.search(r"style-src 'nonce-([^']+)'", page.headers["content-security-policy"])
    styles = re.findall(r"<style[^>]*>", page.text)
    assert styles and all(tag == f'<style nonce="{nonce.group(1)}">' for tag in styles)


def _page_credentials(page: str) -> dict:
    found = re.search(r"const sandbox = (\{.*\});", page)
    assert found, "the docs page carries no credentials"
    return json.loads(found.group(1))["credentials"]


def test_swagger_ui_starts_with_the_first_tenants_credentials(sb):
    expected = {
        "zwitch": {"AccessKeySecretKey": {"value": "ak_test_sandbox:sk_test_sandbox"}},
        "zazpay": {"MerchantBasic": {"username": "9418", "password": "zazpay_test_key"}},
        "zoho": {"ZohoOAuthToken": {"value": "Zoho-oauthtoken 1000.sandbox.zoho.token"}},
        "zaakpay": {},  # no security scheme: the checksum in the body is the credential
    }
    for name, credentials in expected.items():
        for page in ("ui/", "ui/index.html"):
            answer = httpx.get(f"{sb.url}/{name}/{page}")
            assert answer.status_code == 200 and "persistAuthorization: true" in answer.text
            assert _page_credentials(answer.text) == credentials, name
    ztake = _page_credentials(httpx.get(sb.url + "/ztake/ui/").text)
    assert ztake["SecretKey"] == {"value": "pk_test_ztake_ZV1001"}
    jwt = ztake["VendorJwt"]["value"]  # minted on the sandbox clock: the API takes it
    info = httpx.get(
        sb.url + "/ztake/api/vendor/payment-info", headers={"Authorization": f"Bearer {jwt}"}
    )
    assert info.status_code == 200 and info.json()["vendor_code"] == "ZV1001"


def test_swagger_ui_shows_no_credentials_when_a_control_token_guards_the_sandbox():
    with Sandbox(control_token="s3cret") as sb:
        page = httpx.get(sb.url + "/zwitch/ui/").text
        config = httpx.get(sb.url + "/zwitch/ui/swagger-ui-config.json").json()
    assert "swagger-ui-bundle.js" in page and "ak_test_sandbox" not in page
    assert 'configUrl: "swagger-ui-config.json"' in page  # Connexion's own page...
    assert config == {"persistAuthorization": True}  # ...keeps what the user enters


def test_the_control_api_docs_keep_the_token_entered_in_authorize(sb):
    page = httpx.get(sb.url + "/_sandbox/ui/").text
    assert 'configUrl: "swagger-ui-config.json"' in page
    config = httpx.get(sb.url + "/_sandbox/ui/swagger-ui-config.json").json()
    assert config == {"persistAuthorization": True}


@pytest.mark.parametrize("name", [n for n in load_providers() if n != "zaakpay"])
def test_each_security_scheme_names_the_test_credentials(name):
    """What the Authorize dialog shows under each scheme, even where it fills nothing in."""
    spec = yaml.safe_load(spec_path(name).read_text())
    tenants = load_providers()[name].default_tenants
    for scheme_name, scheme in spec["components"]["securitySchemes"].items():
        text = scheme["description"]
        assert "GET /_sandbox/credentials" in text, scheme_name
        for tenant in tenants:
            secrets = [v for v in tenant.credentials.values() if isinstance(v, str)]
            assert any(secret in text for secret in secrets), (scheme_name, tenant.id)
