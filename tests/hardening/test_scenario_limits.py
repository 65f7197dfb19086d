"""Scenario uploads cannot stall or exhaust the server: size and alias limits, fixture
bodies checked against the provider's request schema, linear-time patterns, parsing off the
event loop, and fault rules that cannot break responses or hold requests forever."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from sandbox.providers import load_providers
from tests.conftest import ZWITCH_A

YAML = {"Content-Type": "application/yaml"}

# Seven levels of nine aliases each: 641 bytes that construct into 9**7 (4.8 million)
# references inside a fixture's metadata, which the scenario schema does not look into.
BILLION_LAUGHS = "\n".join(
    [
        "name: laughs",
        "provider: zwitch",
        'a0: &a0 ["lol"]',
        *[f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 7)],
        "fixtures:",
        "  - kind: upi_collect",
        "    body:",
        "      account_id: acc_1234567890",
        "      amount: 5",
        f"      metadata: {{lol: [{', '.join(['*a6'] * 9)}]}}",
    ]
)


def _load(control, text: str) -> httpx.Response:
    return control.post("/scenarios", content=text.encode(), headers=YAML)


def _error(response: httpx.Response) -> str:
    return response.json()["error"]["message"]


def test_an_alias_bomb_is_refused_with_a_clear_400(control):
    assert len(BILLION_LAUGHS) < 700
    refused = _load(control, BILLION_LAUGHS)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_scenario"
    assert "aliases expand the scenario by" in _error(refused)
    assert "scenario_max_alias_nodes" in _error(refused)
    assert control.get("/scenarios").json()["data"] == []


def test_a_few_aliases_are_fine(control):
    text = "\n".join(
        [
            "name: shared-body",
            "provider: zwitch",
            "fixtures:",
            "  - kind: upi_collect",
            "    body: &body {account_id: acc_1234567890, amount: 5, remark: shared}",
            "  - kind: upi_collect",
            "    body: *body",
        ]
    )
    assert _load(control, text).status_code == 201


def test_a_recursive_alias_is_refused(control):
    text = "name: loop\nprovider: zwitch\nsteps: &s [*s]\n"
    refused = _load(control, text)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_scenario"


def test_a_20_mb_scenario_gets_413(control):
    # Past every request's body limit: the guard refuses it before anything reads it.
    text = "name: huge\ndescription: " + "x" * 20_000_000 + "\n"
    refused = _load(control, text)
    assert refused.status_code == 413
    assert "larger than this sandbox accepts" in _error(refused)


def test_a_scenario_over_its_own_limit_gets_413(control):
    # Under the body limit (4 MiB) but over the scenario limit (4,000,000 bytes).
    text = "name: huge\ndescription: " + "x" * 4_100_000 + "\n"
    refused = _load(control, text)
    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "payload_too_large"
    assert "at most 4,000,000" in _error(refused)


def test_the_size_limit_is_configurable_and_holds_without_a_content_length(sb, control):
    config = sb.runtime.config
    saved = config.scenario_max_bytes
    config.scenario_max_bytes = 1_000
    try:
        text = "name: small-but-over\ndescription: " + "x" * 2_000 + "\n"
        chunked = control.post("/scenarios", content=iter([text.encode()]), headers=YAML)
        assert chunked.status_code == 413 and "at most 1,000" in _error(chunked)
    finally:
        config.scenario_max_bytes = saved


def test_deeply_nested_yaml_is_a_clear_400(control):
    text = "name: deep\nprovider: zwitch\nsteps: " + "[" * 5_000 + "]" * 5_000 + "\n"
    refused = _load(control, text)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_scenario"


@pytest.mark.parametrize(
    "body, words",
    [
        ("{account_id: acc_1234567890, amount: 5, expiry_in_minutes: 1e15}", "expiry_in_minutes"),
        (
            "{account_id: acc_1234567890, amount: 5, expiry_in_minutes: '" + "9" * 4000 + "'}",
            "expiry_in_minutes",
        ),
        ("{account_id: acc_1234567890, amount: 1e300}", "amount"),
        ("{account_id: acc_1234567890, amount: 5, remark: " + "r" * 101 + "}", "remark"),
        ("{account_id: '" + "a" * 65 + "', amount: 5}", "account_id"),
    ],
)
def test_fixture_bodies_are_checked_against_the_request_schema(sb, control, body, words):
    text = f"name: bad-body\nprovider: zwitch\nfixtures:\n  - kind: upi_collect\n    body: {body}\n"
    refused = _load(control, text)
    assert refused.status_code == 400, refused.text
    message = _error(refused)
    assert message.startswith("<request body>: fixtures/0/body: ") and words in message
    assert len(message) < 400  # a huge bad value is not echoed whole


def test_a_fixture_dated_before_any_clock_is_a_clear_error(control):
    text = (
        "name: ancient\nprovider: zwitch\nfixtures:\n"
        "  - kind: upi_collect\n    body: {account_id: acc_1234567890, amount: 5}\n"
        "    ago: 999999999999d\n"
    )
    refused = _load(control, text)
    assert refused.status_code == 400 and "out of range" in _error(refused)


def test_every_fixture_kind_names_the_operation_that_creates_it():
    from sandbox.scenario.requests import request_problems

    for name, provider in load_providers().items():
        assert set(provider.creates) == set(provider.builders), name
        for kind, operation in provider.creates.items():
            if operation is not None:
                # An empty body is checked (and refused) by that operation's schema.
                assert isinstance(request_problems(name, operation, {}), list), (name, kind)


def _pattern_rule(pattern: str) -> str:
    return (
        "name: pattern\nprovider: zwitch\nfaults:\n"
        "  - match:\n      operation: create_upi_collect\n"
        f"      body: {{remark: {{matches: '{pattern}'}}}}\n"
        "    respond: {status: 503}\n"
    )


def test_a_catastrophic_pattern_does_not_stall_the_server(sb, control):
    assert _load(control, _pattern_rule("(a+)+b")).status_code == 201
    # A backtracking engine took over a second for 25 characters, doubling per character:
    # 30 would hold the server for half a minute. Through RE2 the match is linear.
    api = httpx.Client(base_url=sb.url + "/zwitch", headers=ZWITCH_A, timeout=10)
    path = "/v1/accounts/acc_1234567890/payments/upi/collect"
    with api:
        answered = api.post(path, json={"amount": 5, "remark": "a" * 30 + "!"})
        assert answered.status_code == 200
        assert api.post(path, json={"amount": 5, "remark": "aab"}).status_code == 503


def test_a_pattern_re2_cannot_run_is_refused(control):
    refused = _load(control, _pattern_rule("(?=a)a"))
    assert refused.status_code == 400
    assert "RE2 syntax" in _error(refused) and "faults/0" in _error(refused)


def _header_rule(value: str) -> str:
    return (
        "name: headers\nprovider: zwitch\nfaults:\n"
        "  - match: {operation: list_payments}\n"
        f'    respond: {{status: 503, headers: {{X-Extra: "{value}"}}}}\n'
    )


def test_a_line_break_in_a_fault_header_is_refused_at_load(control):
    refused = _load(control, _header_rule("ok\\r\\nSet-Cookie: stolen=1"))
    assert refused.status_code == 400
    assert "respond.headers.X-Extra" in _error(refused) and "no CR, LF" in _error(refused)
    assert _load(control, _header_rule("fine")).status_code == 201


def test_a_huge_fault_latency_is_refused(control):
    text = (
        "name: slow\nprovider: zwitch\nfaults:\n"
        "  - match: {operation: list_payments}\n    latency: 99999999999d\n"
    )
    refused = _load(control, text)
    assert refused.status_code == 400 and "faults/0" in _error(refused)
    over_cap = text.replace("99999999999d", "61s")
    refused = _load(control, over_cap)
    assert refused.status_code == 400
    assert "longer than the maximum of 60s" in _error(refused)
    assert _load(control, text.replace("99999999999d", "50ms")).status_code == 201


def _large_scenario(fixtures: int) -> str:
    lines = ["name: large", "provider: zwitch", "fixtures:"]
    for n in range(fixtures):
        lines += [
            "  - kind: upi_collect",
            f"    body: {{account_id: acc_1234567890, amount: {n % 900 + 1}, "
            f"merchant_reference_id: large_{n}, remark: 'fixture number {n}',",
            f"           metadata: {{order: o{n}, batch: b{n % 7}, note: 'keep {n}'}}}}",
        ]
    return "\n".join(lines) + "\n"


def test_other_clients_are_served_while_a_large_scenario_is_parsed(sb):
    text = _large_scenario(600).encode()
    assert len(text) < sb.runtime.config.scenario_max_bytes
    sent = threading.Event()

    def body():
        yield text
        sent.set()

    def upload() -> httpx.Response:
        return httpx.post(sb.url + "/_sandbox/scenarios", content=body(), headers=YAML, timeout=120)

    with ThreadPoolExecutor(1) as pool:
        uploading = pool.submit(upload)
        assert sent.wait(60)
        answered = 0
        # Bounded: a fixed number of GETs, each on its own connection. On the event loop,
        # parsing would hold every one of them until the upload was answered.
        for _ in range(200):
            if uploading.done():
                break
            assert httpx.get(sb.url + "/_sandbox/clock", timeout=120).status_code == 200
            answered += 1
        loaded = uploading.result()
    assert loaded.status_code == 201, loaded.text
    assert answered >= 3, f"only {answered} requests were answered during the upload"
    response = httpx.get(sb.url + "/zwitch/v1/payments", headers=ZWITCH_A, params={"limit": 1})
    assert response.json()["pagination"]["total"] >= 600
