"""Fault rules: matching, triggers, and each kind of fault."""

from __future__ import annotations

import textwrap
import time

import httpx
import pytest

from tests.conftest import ZWITCH_B
from tests.providers.zwitch.helpers import COLLECT_PATH


def _load(sb, faults: str, name="faults") -> None:
    from sandbox.scenario.model import parse

    sb.runtime.load_scenario(
        parse(
            f"name: {name}\nprovider: zwitch\nfaults:\n"
            + textwrap.indent(textwrap.dedent(faults), "  ")
        )
    )


def _statuses(client, path, count):
    return [client.get(path).status_code for _ in range(count)]


@pytest.mark.parametrize(
    "trigger, expected",
    [
        ("nth: 2", [200, 503, 200, 200, 200, 200]),
        ("every: 3", [200, 200, 503, 200, 200, 503]),
        ("first: 2", [503, 503, 200, 200, 200, 200]),
        ("after: 4", [200, 200, 200, 200, 503, 503]),
    ],
)
def test_triggers_count_matching_calls(sb, zwitch, trigger, expected):
    _load(
        sb,
        f"- match: {{method: GET, path: /v1/payments}}\n  {trigger}\n  respond: {{status: 503}}\n",
    )
    assert _statuses(zwitch, "/v1/payments", 6) == expected


def test_probability_is_reproducible_after_a_reset(sb, zwitch):
    _load(sb, "- match: {operation: list_payments}\n  probability: 0.5\n  respond: {status: 502}\n")
    first = _statuses(zwitch, "/v1/payments", 20)
    assert 200 in first and 502 in first
    sb.reset()
    assert _statuses(zwitch, "/v1/payments", 20) == first


def test_rules_match_on_tenant_body_and_query(sb, zwitch, zwitch_b):
    _load(
        sb,
        """\
        - match: {tenant: acc_2000000002, operation: list_payments}
          respond: {status: 500}
        - match: {path: "/v1/accounts/{account_id}/payments/upi/collect", body: {amount: {gte: 1000}}}
          respond: {status: 503, code: bank_down, message: The bank is down}
        - match: {path: /v1/payments, query: {status: failed}}
          respond: {status: 504}
        """,
    )
    assert zwitch.get("/v1/payments").status_code == 200
    assert zwitch_b.get("/v1/payments").status_code == 500
    assert zwitch.post(COLLECT_PATH, json={"amount": 999}).status_code == 200
    refused = zwitch.post(COLLECT_PATH, json={"amount": 1000})
    assert refused.status_code == 503
    assert refused.json() == {"error": {"code": "bank_down", "message": "The bank is down"}}
    assert zwitch.get("/v1/payments", params={"status": "failed"}).status_code == 504


def test_a_path_glob_matches_concrete_paths(sb, zwitch):
    _load(sb, "- match: {path: '/v1/payments/pay_*'}\n  respond: {status: 503}\n")
    assert zwitch.get("/v1/payments/pay_anything").status_code == 503
    assert zwitch.get("/v1/payments/token/pt_x/status").status_code == 404


def test_rate_limit_counts_per_window_on_the_sandbox_clock(sb, zwitch):
    _load(sb, "- match: {operation: list_payments}\n  rate_limit: {limit: 2, per: 1h}\n")
    assert _statuses(zwitch, "/v1/payments", 2) == [200, 200]
    sb.advance(600)
    limited = zwitch.get("/v1/payments")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3000"
    assert limited.json()["error"]["code"] == "rate_limited"
    sb.advance(3000)
    assert zwitch.get("/v1/payments").status_code == 200


def test_latency_delays_the_answer(sb, zwitch):
    _load(sb, "- match: {operation: list_payments}\n  latency: 300ms\n")
    started = time.perf_counter()
    assert zwitch.get("/v1/payments").status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_a_dropped_connection_breaks_mid_answer(sb, client_for):
    _load(sb, "- match: {operation: list_payments}\n  drop: true\n")
    with httpx.Client(base_url=sb.url + "/zwitch", headers=ZWITCH_B) as raw:
        with pytest.raises(httpx.RemoteProtocolError):
            raw.get("/v1/payments")
        assert raw.get("/v1/payments/pay_x").status_code == 404  # the server lives on


def test_a_malformed_body_keeps_status_and_headers(sb):
    _load(sb, "- match: {operation: list_payments}\n  malformed: true\n")
    with httpx.Client(base_url=sb.url + "/zwitch", headers=ZWITCH_B) as raw:
        response = raw.get("/v1/payments")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    with pytest.raises(ValueError):
        response.json()


def test_faults_do_not_touch_the_control_api(sb, control):
    _load(sb, "- match: {}\n  respond: {status: 503}\n")
    assert control.get("/clock").status_code == 200
