"""Shipped scenarios travel: they pass against a normally started sandbox (real-time clock,
not frozen), again on a second run, and leave its endpoints, inbox statuses, loaded
scenarios and clock mode as they found them (issue 14 item 7)."""

from __future__ import annotations

import httpx
import pytest

from sandbox.resources import scenarios_dir
from tests.cli_helpers import run_cli
from tests.processes import serve

ZWITCH = sorted((scenarios_dir() / "zwitch").glob("*.yaml"))


@pytest.fixture
def live_sandbox():
    """`python -m sandbox serve` as a user starts it: no --frozen, no --clock-start."""
    served = serve(frozen=False)
    yield served.url
    served.stop()


def _settings(url: str) -> dict:
    return {
        "endpoints": httpx.get(f"{url}/_sandbox/webhooks/endpoints").json()["data"],
        "shop inbox": httpx.get(f"{url}/_sandbox/inbox/shop").json()["status"],
        "scenarios": httpx.get(f"{url}/_sandbox/scenarios").json()["data"],
        "frozen": httpx.get(f"{url}/_sandbox/clock").json()["frozen"],
    }


def test_every_shipped_zwitch_scenario_passes_on_a_live_server_and_restores_it(live_sandbox):
    url = live_sandbox
    # Settings of the developer's own, which the scenarios change while they run.
    httpx.put(
        f"{url}/_sandbox/webhooks/endpoints/zwitch/acc_1234567890",
        json={"url": "http://127.0.0.1:9/my-shop", "secret": "whsec_mine"},
    )
    httpx.put(f"{url}/_sandbox/inbox/shop/status", json={"status": 418})
    before = _settings(url)
    assert before["frozen"] is False
    for attempt in ("first", "second"):
        done = run_cli("scenario", "run", *map(str, ZWITCH), "--base-url", url, timeout=300)
        assert done.returncode == 0, f"{attempt} run:\n{done.stdout}\n{done.stderr}"
        assert f"{len(ZWITCH)} passed, 0 failed" in done.stdout
        assert _settings(url) == before, attempt


def test_a_failing_scenario_still_restores_the_server(live_sandbox, tmp_path):
    url = live_sandbox
    scenario = tmp_path / "breaks.yaml"
    scenario.write_text(
        """\
name: breaks-midway
provider: zwitch
steps:
  - request:
      provider: _sandbox
      method: PUT
      path: /webhooks/endpoints/zwitch/acc_2000000002
      json: {url: "http://127.0.0.1:9/elsewhere"}
  - request: {provider: _sandbox, method: PUT, path: /inbox/shop/status, json: {status: 503}}
  - request: {method: GET, path: /v1/payments/pay_missing}
    expect: {status: 200}
"""
    )
    before = _settings(url)
    done = run_cli("scenario", "run", str(scenario), "--base-url", url)
    assert done.returncode == 1 and "FAIL breaks-midway" in done.stdout
    assert _settings(url) == before


def test_relative_instants_render_from_the_scenario_start(tmp_path):
    from sandbox.scenario.model import load
    from sandbox.scenario.steps import run_scenario

    scenario = tmp_path / "instants.yaml"
    scenario.write_text(
        """\
name: instants
provider: zwitch
clock: {start: "2024-02-29T23:59:00Z"}
steps:
  - request: {provider: _sandbox, method: GET, path: /clock}
    expect:
      json:
        now: "${start}"
        start: {ne: "${start+1s}"}
  - advance: 2m
  - request: {provider: _sandbox, method: GET, path: /clock}
    expect: {json: {now: "${start+2m}"}}
"""
    )
    run = run_scenario(load(scenario))
    assert run.passed, run.failure


def test_instant_expressions():
    from sandbox.clock import parse_instant
    from sandbox.scenario.steps import START_MS, _substitute

    variables = {START_MS: parse_instant("2024-02-29T23:59:00Z"), "run_id": "abc"}
    assert _substitute(
        {"a": "${start+1d:date}", "b": ["${start-1d:date}", "${start+90s}"], "c": "x${run_id}"},
        variables,
    ) == {"a": "2024-03-01", "b": ["2024-02-28", "2024-03-01T00:00:30Z"], "c": "xabc"}
