"""Issue 10, item 1: the control plane refuses cross-site calls, foreign Host headers
(DNS rebinding) and, when it has one, calls without its token; the journal masks secrets."""

from __future__ import annotations

import json

import httpx
import pytest

from sandbox.cli import main
from sandbox.config import SandboxConfig
from tests.conftest import ZWITCH_A


@pytest.fixture
def raw(sb) -> httpx.Client:
    """A client that sends exactly what a test says (no conformance hook: some of these
    requests are what a browser on another site would send)."""
    with httpx.Client(base_url=sb.url, timeout=30) as client:
        yield client


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("text/plain", "{}"),
        ("application/x-www-form-urlencoded", "a=b"),
        ("multipart/form-data; boundary=x", "--x--"),
    ],
)
def test_a_form_post_cannot_reset_the_sandbox(sb, raw, zwitch, content_type, body):
    payment = zwitch.post(
        "/v1/accounts/acc_1234567890/payments/upi/collect",
        json={"amount": 1, "merchant_reference_id": "kept"},
    ).json()
    answer = raw.post("/_sandbox/reset", content=body, headers={"Content-Type": content_type})
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"
    assert "cross-site form" in answer.json()["error"]["message"]
    assert zwitch.get(f"/v1/payments/{payment['id']}").status_code == 200  # nothing reset


def test_a_cross_origin_control_call_is_refused_and_a_same_origin_one_is_not(sb, raw, control):
    advance = {"seconds": 5}
    foreign = raw.post(
        "/_sandbox/clock/advance", json=advance, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "forbidden"
    assert "another origin" in foreign.json()["error"]["message"]
    null = raw.post("/_sandbox/clock/advance", json=advance, headers={"Origin": "null"})
    assert null.status_code == 403
    assert control.get("/clock").json()["now"] == "2024-01-15T10:00:00Z"
    same = control.post("/clock/advance", json=advance, headers={"Origin": sb.url})
    assert same.status_code == 200 and same.json()["now"] == "2024-01-15T10:00:05Z"
    # Reading is not state-changing (and the browser keeps the answer from the other site).
    assert raw.get("/_sandbox/clock", headers={"Origin": "https://evil.example"}).status_code == 200


@pytest.mark.parametrize(
    "path, shape",
    [
        ("/_sandbox/credentials", "control"),
        ("/_sandbox/requests", "control"),
        ("/zwitch/v1/payments", "zwitch"),
        ("/", "control"),
        ("/zwitch/hosted/layer.js", "zwitch"),
    ],
)
def test_a_foreign_host_header_is_refused_everywhere(client_for, raw, path, shape):
    """DNS rebinding: a page on rebind.evil.example reaches 127.0.0.1 with its own Host."""
    answer = raw.get(path, headers={**ZWITCH_A, "Host": "rebind.evil.example:8000"})
    assert answer.status_code == 421
    error = answer.json()["error"]
    assert error["code"] == "misdirected_request"
    assert "rebind.evil.example" in error["message"] and "--allowed-host" in error["message"]
    if path != "/" and "/hosted/" not in path:  # documented in the spec of that prefix
        prefix, _, rest = path.lstrip("/").partition("/")
        client_for(prefix, {**ZWITCH_A, "Host": "rebind.evil.example"}).get("/" + rest)


def test_loopback_names_the_public_url_and_allowed_hosts_are_answered(sb, raw):
    port = sb.url.rsplit(":", 1)[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "app.localhost", "[::1]:80"):
        assert raw.get("/_sandbox/clock", headers={"Host": host}).status_code == 200, host
    from sandbox.guard import host_allowed

    config = SandboxConfig(public_url="https://pay.example.test/", allowed_hosts=["sandbox"])
    assert host_allowed(config, "pay.example.test", None)
    assert host_allowed(config, "sandbox:8000", None)
    assert host_allowed(config, "10.0.0.5:8000", "10.0.0.5")  # the address it came in on
    assert not host_allowed(config, "10.0.0.6:8000", "10.0.0.5")
    assert not host_allowed(config, "localhost.evil.example", None)


def test_a_non_loopback_bind_generates_and_prints_a_token(capsys):
    from sandbox.guard import with_control_token

    exposed = with_control_token(SandboxConfig(host="0.0.0.0"))
    assert exposed.control_token and len(exposed.control_token) >= 32
    assert exposed.control_token in capsys.readouterr().err
    given = with_control_token(SandboxConfig(host="0.0.0.0", control_token="mine"))
    assert given.control_token == "mine"
    assert with_control_token(SandboxConfig(host="127.0.0.1")).control_token is None


def test_with_a_token_every_control_call_needs_it(sandbox_with):
    sb = sandbox_with(control_token="s3cret-token")
    with httpx.Client(base_url=sb.url) as anonymous:
        missing = anonymous.get("/_sandbox/credentials")
        assert missing.status_code == 401
        assert missing.json()["error"]["code"] == "unauthorized"
        assert "X-Sandbox-Token" in missing.json()["error"]["message"]
        wrong = anonymous.post("/_sandbox/reset", headers={"X-Sandbox-Token": "guess"})
        assert wrong.status_code == 401
        assert anonymous.get("/_sandbox/requests").status_code == 401
        bearer = anonymous.get("/_sandbox/clock", headers={"Authorization": "Bearer s3cret-token"})
        assert bearer.status_code == 200
        # Webhook senders know no token; the docs hold no secret.
        assert anonymous.post("/_sandbox/inbox/shop", json={"a": 1}).status_code == 200
        assert anonymous.get("/_sandbox/openapi.json").status_code == 200
        assert anonymous.get("/_sandbox/inbox/shop").status_code == 401
    with sb.client() as client:  # Sandbox.client() sends the token
        assert client.get("/_sandbox/credentials").status_code == 200
        assert client.post("/_sandbox/reset").status_code == 200


def test_cli_client_verbs_send_the_token(sandbox_with, capsys, monkeypatch):
    sb = sandbox_with(control_token="s3cret-token")
    monkeypatch.delenv("PAYSANDBOX_CONTROL_TOKEN", raising=False)
    args = ["simulate", "zwitch", "pay_nope", "complete", "--base-url", sb.url]
    assert main(args) == 1
    assert "requires its control token" in capsys.readouterr().err  # one line, with the fix
    assert main([*args, "--control-token", "s3cret-token"]) == 1
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "not_found"
    monkeypatch.setenv("PAYSANDBOX_CONTROL_TOKEN", "s3cret-token")
    assert main(args) == 1
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "not_found"


def test_the_journal_masks_credentials_and_signatures(sb, zwitch, control):
    control.delete("/requests")
    zwitch.get("/v1/payments", params={"api_key": "leaky"})
    control.get("/credentials")
    control.put(
        "/webhooks/endpoints/zwitch/acc_1234567890",
        json={"url": f"{sb.url}/_sandbox/inbox/shop", "secret": "whsec_private"},
    )
    control.post(
        "/inbox/shop",
        json={"event": "x"},
        headers={"x-zwitch-signature": "abcdef0123", "Content-Type": "application/json"},
    )
    entries = control.get("/requests", params={"limit": 10}).json()["data"]
    text = json.dumps(entries)
    for secret in ("sk_test_sandbox", "sk_test_other", "whsec_private", "abcdef0123", "leaky"):
        assert secret not in text, secret
    listed = next(e for e in entries if e["path"] == "/zwitch/v1/payments")
    assert listed["request_headers"]["authorization"] == "Bearer ***"
    assert listed["query"] == "api_key=***"
    control.delete("/webhooks/endpoints/zwitch/acc_1234567890")
