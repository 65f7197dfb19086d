"""The client verbs against a running sandbox: clock, reset, requests (with --tail),
trigger for every provider's events, simulate, and webhooks listen restoring endpoints
(issue 14 items 3 and 4)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from typing import Iterator

import httpx
import pytest

from sandbox.cli import main
from sandbox.providers import load_providers
from sandbox.server import Sandbox
from tests.cli_helpers import ROOT, one_line_error, run_cli
from tests.conftest import ZWITCH_A
from tests.processes import closed_port

TRIGGERS = [
    (name, event) for name, provider in load_providers().items() for event in provider.triggers
]


def cli(sb, capsys, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--url", sb.url])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_help_shows_the_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["clock", "--help"])
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000" in out and "$PAYSANDBOX_URL" in out
    assert "PAYSANDBOX_CONTROL_TOKEN" in out


def test_clock_shows_advances_freezes_and_resumes(paysandbox, capsys):
    assert cli(paysandbox, capsys, "clock") == (0, "2024-01-15T10:00:00Z (frozen)\n", "")
    code, out, _ = cli(paysandbox, capsys, "clock", "advance", "90s")
    assert code == 0 and out.startswith("2024-01-15T10:01:30Z (frozen); ")
    assert cli(paysandbox, capsys, "clock", "advance", "2h")[1].startswith("2024-01-15T12:01:30Z")
    assert cli(paysandbox, capsys, "clock", "advance", "3d")[1].startswith("2024-01-18T12:01:30Z")
    assert cli(paysandbox, capsys, "clock", "resume")[1].endswith("(running)\n")
    assert cli(paysandbox, capsys, "clock", "freeze")[1].endswith("(frozen)\n")


def test_clock_advance_refuses_a_bad_duration(paysandbox, capsys):
    code, out, err = cli(paysandbox, capsys, "clock", "advance", "soon")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "not a duration: 'soon'" in err and "2h" in err


def test_reset_goes_back_to_the_start(paysandbox, capsys):
    paysandbox.advance(3600)
    code, out, _ = cli(paysandbox, capsys, "reset")
    assert code == 0 and "clock 2024-01-15T10:00:00Z (frozen)" in out
    assert httpx.get(paysandbox.url + "/_sandbox/clock").json()["now"] == "2024-01-15T10:00:00Z"


def test_requests_filters_the_journal(paysandbox, capsys):
    httpx.delete(paysandbox.url + "/_sandbox/requests")
    httpx.get(paysandbox.url + "/zwitch/v1/payments", headers=ZWITCH_A)
    httpx.get(paysandbox.url + "/zwitch/v1/payments/pay_nope", headers=ZWITCH_A)
    httpx.get(paysandbox.url + "/_sandbox/clock")
    code, out, _ = cli(paysandbox, capsys, "requests")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert " GET    /zwitch/v1/payments 200 " in lines[0] and lines[2].endswith("_sandbox")
    out = cli(paysandbox, capsys, "requests", "--provider", "zwitch", "--status", "404")[1]
    assert out.count("\n") == 1 and "/zwitch/v1/payments/pay_nope 404" in out
    out = cli(paysandbox, capsys, "requests", "--path", "/_sandbox", "--method", "get")[1]
    assert out.count("\n") == 1 and "/_sandbox/clock" in out
    assert cli(paysandbox, capsys, "requests", "--limit", "1")[1].count("\n") == 1


def test_requests_tail_follows_until_ctrl_c(paysandbox):
    httpx.get(paysandbox.url + "/_sandbox/clock")
    tail = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "requests",
            "--tail",
            "--limit",
            "1",
            "--interval",
            "0.2",
            "--url",
            paysandbox.url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert "/_sandbox/clock" in tail.stdout.readline()  # the newest one first
        httpx.get(paysandbox.url + "/zwitch/v1/payments/pay_tailed", headers=ZWITCH_A)
        assert "/zwitch/v1/payments/pay_tailed 404" in tail.stdout.readline()
        httpx.get(paysandbox.url + "/zwitch/v1/payments/pay_second", headers=ZWITCH_A)
        assert "/zwitch/v1/payments/pay_second 404" in tail.stdout.readline()
    finally:
        _, err = _stop(tail, signal.SIGINT)
    assert tail.returncode == 0 and "Traceback" not in err, err


@pytest.mark.parametrize("provider,event", TRIGGERS, ids=[f"{p}-{e}" for p, e in TRIGGERS])
def test_trigger_emits_the_event_as_a_webhook(paysandbox, capsys, provider, event):
    tenants = httpx.get(paysandbox.url + "/_sandbox/credentials").json()[provider]
    tenant = tenants[-1]["id"]  # not the default one, to prove --tenant is used
    endpoint = f"{paysandbox.url}/_sandbox/webhooks/endpoints/{provider}/{tenant}"
    inbox = f"{paysandbox.url}/_sandbox/inbox/trigger-{event}"
    httpx.put(endpoint, json={"url": inbox})
    try:
        code, out, err = cli(paysandbox, capsys, "trigger", provider, event, "--tenant", tenant)
        assert code == 0, err
        sent = re.search(rf"^{re.escape(event)}: webhook (whd_\w+) to (\S+) ", out, re.M)
        assert sent and sent.group(2) == inbox, out
        httpx.post(paysandbox.url + "/_sandbox/webhooks/deliver")
        deliveries = httpx.get(
            paysandbox.url + "/_sandbox/webhooks", params={"event": event}
        ).json()["data"]
        delivery = next(d for d in deliveries if d["id"] == sent.group(1))
        assert (delivery["provider"], delivery["tenant"]) == (provider, tenant)
        assert delivery["status"] == "delivered", delivery
        received = httpx.get(inbox).json()["data"]
        bodies = [entry["body"] for entry in received]
        assert delivery["body"] in bodies  # the event's own notification arrived...
        assert all(entry["verified_by"] == f"{provider}:{tenant}" for entry in received)
        assert f" {delivery['resource_id']} (" in out.splitlines()[0]  # the one it created
    finally:
        httpx.delete(endpoint)


def test_trigger_twice_makes_two_resources(paysandbox, capsys):
    first = cli(paysandbox, capsys, "trigger", "zwitch", "payment_captured")[1]
    second = cli(paysandbox, capsys, "trigger", "zwitch", "payment_captured")[1]
    assert first.splitlines()[0] != second.splitlines()[0]
    assert "complete → completed" in second


def _documented_events() -> dict[str, set[str]]:
    from sandbox.providers.zazpay.webhooks import PAYMENT_EVENTS, SUBSCRIPTION_EVENTS
    from sandbox.providers.ztake.webhooks import EVENTS as ZTAKE_EVENTS
    from sandbox.providers.zwitch.webhooks import EVENTS as ZWITCH_EVENTS

    return {
        "zwitch": set(ZWITCH_EVENTS.values()),
        "ztake": set(ZTAKE_EVENTS.values()),
        "zazpay": PAYMENT_EVENTS | SUBSCRIPTION_EVENTS,
    }


def test_every_provider_declares_a_trigger_for_every_webhook_event():
    providers = load_providers()
    documented = _documented_events()
    assert set(documented) == {n for n, p in providers.items() if p.webhooks is not None}
    for name, events in documented.items():
        assert set(providers[name].triggers) == events, name


@pytest.mark.parametrize("provider", ["zaakpay", "zoho"])
def test_trigger_says_a_provider_without_webhooks_has_no_events(paysandbox, capsys, provider):
    code, out, err = cli(paysandbox, capsys, "trigger", provider, "payment_captured")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert f"{provider} sends no webhooks" in err and "paysandbox simulate" in err


def test_trigger_finds_an_event_written_another_way(paysandbox, capsys):
    code, out, err = cli(paysandbox, capsys, "trigger", "zazpay", "payment_captured")
    assert code == 0, err
    assert "PaymentCaptured: emitted, but zazpay 9418 has no webhook endpoint" in out
    code, out, err = cli(paysandbox, capsys, "trigger", "ztake", "ORDER_EXPIRED")
    assert code == 0 and "expire → Expired" in out, err


def test_ztake_orders_notify_the_test_inbox_when_the_vendor_has_no_endpoint(paysandbox, capsys):
    """An order's callbackUrl must be somewhere: the vendor's endpoint, else the inbox."""
    httpx.delete(paysandbox.url + "/_sandbox/webhooks/endpoints/ztake/ZV1001")
    code, out, err = cli(paysandbox, capsys, "trigger", "ztake", "order.succeeded")
    assert code == 0, err
    assert "  POST /api/payments/update → Succeeded" in out
    inbox = f"{paysandbox.url}/_sandbox/inbox/trigger-ztake-ZV1001"
    assert "order.succeeded: webhook whd_" in out and f" to {inbox} " in out
    httpx.post(paysandbox.url + "/_sandbox/webhooks/deliver")
    events = [json.loads(e["body"])["event"] for e in httpx.get(inbox).json()["data"]]
    assert events == ["order.pending", "order.succeeded"]


def test_trigger_refuses_unknown_events_providers_and_tenants(paysandbox, capsys):
    code, _, err = cli(paysandbox, capsys, "trigger", "zwitch", "payment_refunded")
    assert code == 1 and "known: payment_pending" in err and err.count("\n") == 1
    code, _, err = cli(paysandbox, capsys, "trigger", "zwitch", "payment_pending", "--tenant", "x")
    assert code == 1 and "known: acc_1234567890" in err
    done = run_cli("trigger", "paypal", "payment_captured")
    one_line_error(done, "unknown provider 'paypal'", "known: zwitch")


@pytest.mark.parametrize(
    "verb",
    [
        ["clock"],
        ["clock", "advance", "1h"],
        ["reset"],
        ["requests"],
        ["requests", "--tail"],
        ["trigger", "zwitch", "payment_captured"],
        ["simulate", "zwitch", "pay_1", "complete"],
        ["webhooks", "listen", "--register", "zwitch:acc_1234567890", "--port", "0"],
        ["scenario", "run", "scenarios/zwitch/expiry.yaml", "--reset", "--base-url", "URL"],
    ],
    ids=lambda verb: " ".join(verb[:2]),
)
def test_an_unreachable_sandbox_is_one_line(verb):
    with closed_port() as port:
        url = f"http://127.0.0.1:{port}"
        done = run_cli(*[url if arg == "URL" else arg for arg in verb], env={"PAYSANDBOX_URL": url})
    option = "--base-url" if "--base-url" in verb else "$PAYSANDBOX_URL or --url"
    one_line_error(done, f"cannot reach the sandbox at {url}", "paysandbox serve", option)


def test_client_verbs_send_the_control_token():
    with Sandbox(control_token="s3cret") as sb:
        done = run_cli("clock", "--url", sb.url, env={"PAYSANDBOX_CONTROL_TOKEN": ""})
        one_line_error(done, "requires its control token", "PAYSANDBOX_CONTROL_TOKEN")
        done = run_cli("clock", "--url", sb.url, env={"PAYSANDBOX_CONTROL_TOKEN": "s3cret"})
        assert done.returncode == 0 and "(running)" in done.stdout, done.stderr
        done = run_cli("reset", "--url", sb.url, "--control-token", "s3cret")
        assert done.returncode == 0, done.stderr


def _endpoint(sb: Sandbox, tenant: str = "acc_1234567890") -> dict:
    listed = httpx.get(sb.url + "/_sandbox/webhooks/endpoints").json()["data"]
    return next(e for e in listed if e["tenant"] == tenant)


def _stop(process: subprocess.Popen, how: int) -> tuple[str, str]:
    """Sends `how` and collects the output; a process that does not exit in time is
    killed, so no test leaves one behind."""
    if process.poll() is None:
        process.send_signal(how)
    try:
        return process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"did not exit on signal {how}: {err}") from None


@contextmanager
def _listening(sb: Sandbox) -> Iterator[subprocess.Popen]:
    """`webhooks listen --register zwitch:acc_1234567890` on a port it picks, once it has
    registered itself and accepts deliveries; killed on the way out whatever happened
    (a test sends its own signal first and reads the output)."""
    listener = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "webhooks",
            "listen",
            "--port",
            "0",
            "--register",
            "zwitch:acc_1234567890",
            "--url",
            sb.url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        _wait_until_registered(sb, listener)
        yield listener
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.communicate()


def _wait_until_registered(sb: Sandbox, listener: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    # Port 0: the listener picks one and registers it.
    wanted = re.compile(r"http://127\.0\.0\.1:[0-9]+/")
    while not wanted.fullmatch(_endpoint(sb)["url"] or ""):
        assert listener.poll() is None, "the listener exited before registering"
        assert time.monotonic() < deadline, "the listener never registered"
        time.sleep(0.1)
    port = int(_endpoint(sb)["url"].rsplit(":", 1)[1].rstrip("/"))
    # wait until it accepts deliveries, so the signal lands while uvicorn serves
    while True:
        try:
            httpx.post(f"http://127.0.0.1:{port}/", json={"event": "ping"})
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the listener never listened"
            time.sleep(0.1)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_listen_restores_the_previous_endpoint(paysandbox, stop):
    where = paysandbox.url + "/_sandbox/webhooks/endpoints/zwitch/acc_1234567890"
    previous = {"url": "http://127.0.0.1:9/shop", "secret": "whsec_custom"}
    httpx.put(where, json=previous)
    try:
        with _listening(paysandbox) as listener:
            out, err = _stop(listener, stop)
        assert "Traceback" not in err, err
        assert _endpoint(paysandbox) == {
            "provider": "zwitch",
            "tenant": "acc_1234567890",
            **previous,
        }
        assert "sends its webhooks to http://127.0.0.1:9/shop again" in out
    finally:
        httpx.delete(where)


def test_listen_removes_an_endpoint_that_was_not_set(paysandbox):
    httpx.delete(paysandbox.url + "/_sandbox/webhooks/endpoints/zwitch/acc_1234567890")
    with _listening(paysandbox) as listener:
        out, err = _stop(listener, signal.SIGINT)
    assert "Traceback" not in err, err
    assert _endpoint(paysandbox)["url"] is None
    assert "has no webhook endpoint again" in out


def test_simulate_against_a_running_sandbox(paysandbox, capsys):
    payment = httpx.post(
        f"{paysandbox.url}/zwitch/v1/accounts/acc_1234567890/payments/upi/collect",
        json={"amount": 5},
        headers=ZWITCH_A,
    ).json()
    code, out, _ = cli(paysandbox, capsys, "simulate", "zwitch", payment["id"], "cancel")
    assert code == 0 and '"state": "cancelled"' in out
