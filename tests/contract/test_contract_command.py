"""`paysandbox contract`: drift against a deliberately drifted gateway, reports, options."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ElementTree

import pytest

from sandbox.app import build_app
from sandbox.cli import main
from sandbox.config import SandboxConfig
from sandbox.contract.runner import ContractOptions, run_contract
from sandbox.pytest_plugin import reproducible_config
from sandbox.runtime import Runtime
from sandbox.server import BackgroundServer, Sandbox
from tests.contract.drifted_gateway import drifted_app

QUICK = ["--max-examples", "5", "--seed", "7"]


@pytest.fixture(scope="module")
def drifted_gateway():
    config = SandboxConfig(seed=1, clock_start="2024-01-15T10:00:00Z", clock_frozen=True)
    with Sandbox(config) as upstream:
        with BackgroundServer(drifted_app(upstream.url + "/zwitch")) as proxy:
            yield proxy.url


def test_drift_is_named_and_the_command_exits_1(drifted_gateway, tmp_path, capsys):
    junit = tmp_path / "contract.xml"
    status = main(
        [
            "contract",
            "zwitch",
            "--base-url",
            drifted_gateway,
            "--auth",
            "Bearer ak_test_sandbox:sk_test_sandbox",
            "--junit",
            str(junit),
            *QUICK,
        ]
    )
    out = capsys.readouterr().out
    assert status == 1
    drift = out[out.index("Drift from the spec") :]
    assert "GET /v1/payments\n" in drift and "undocumented status 202" in drift
    assert "GET /v1/payments/{id}" in drift
    assert "missing field 'id'" in drift
    assert "extra field(s) /payment_id" in drift
    assert "Reproduce with:" in out and "curl -X GET" in out
    assert "Authorization: [Filtered]" in out  # a real gateway's credentials stay out of logs
    suite = ElementTree.parse(junit).getroot()
    failed = {
        case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None
    }
    assert {"zwitch GET /v1/payments", "zwitch GET /v1/payments/{id}"} <= failed


def test_the_sandbox_itself_passes_with_a_junit_report(tmp_path, capsys):
    junit = tmp_path / "self.xml"
    assert main(["contract", "zwitch", "--junit", str(junit), *QUICK]) == 0
    out = capsys.readouterr().out
    assert "0 failing, 0 finding(s), 0 error(s)" in out
    suite = ElementTree.parse(junit).getroot()
    assert suite.get("failures") == "0" and int(suite.get("tests")) >= 6


def test_read_only_runs_only_safe_operations():
    result = run_contract(
        ContractOptions(
            apis=["zwitch"], read_only=True, max_examples=3, phases=["examples", "fuzzing"]
        ),
        progress=lambda _: None,
    )
    assert result.ok
    assert {op.split()[0] for _, op in result.operations} == {"GET"}


def test_rate_limit_spaces_the_requests_out():
    # Arrival times are taken in front of the sandbox: at 2 requests a second, any three
    # consecutive requests span a second (less a margin for the trip), where an unthrottled
    # run sends dozens a second.
    runtime = Runtime(reproducible_config())
    app = build_app(runtime)
    arrivals: list[float] = []

    async def recorded(scope, receive, send):
        # Schemathesis probes the server once before testing, outside the rate limit.
        if scope["type"] == "http" and "schemathesis-probe" not in scope["path"]:
            arrivals.append(time.monotonic())
        await app(scope, receive, send)

    try:
        with BackgroundServer(recorded) as server:
            result = run_contract(
                ContractOptions(
                    apis=["zwitch"],
                    base_url=server.url + "/zwitch",
                    auth="Bearer ak_test_sandbox:sk_test_sandbox",
                    rate_limit="2/s",
                    read_only=True,
                    max_examples=5,
                    max_time=4,
                    phases=["fuzzing"],
                ),
                progress=lambda _: None,
            )
    finally:
        runtime.close()
    assert result.ok and result.operations
    assert len(arrivals) >= 5
    spans = [later - earlier for earlier, later in zip(arrivals, arrivals[2:])]
    assert min(spans) >= 0.8, f"3 requests within {min(spans):.3f}s at 2/s"


def test_a_time_budget_keeps_fuzzing_until_spent():
    result = run_contract(
        ContractOptions(apis=["zwitch"], max_examples=2, max_time=2, phases=["fuzzing"]),
        progress=lambda _: None,
    )
    assert result.ok and result.stopped == "max_time"


def test_an_unreachable_endpoint_is_an_error_not_a_pass(capsys):
    status = main(
        [
            "contract",
            "zwitch",
            "--base-url",
            "http://127.0.0.1:9",
            "--auth",
            "Bearer a:b",
            "--phases",
            "examples",
            "--request-timeout",
            "2",
        ]
    )
    assert status == 1
    assert "Errors" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["contract", "nope"], "unknown API"),
        (["contract", "zwitch", "sandbox", "--base-url", "http://x"], "name exactly one provider"),
    ],
)
def test_usage_errors_exit_2(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_missing_credentials_for_a_real_endpoint_are_pointed_out(
    drifted_gateway, capsys, monkeypatch
):
    monkeypatch.delenv("PAYSANDBOX_ZWITCH_AUTH", raising=False)
    main(
        [
            "contract",
            "zwitch",
            "--base-url",
            drifted_gateway,
            "--phases",
            "examples",
            "--max-examples",
            "1",
        ]
    )
    assert "PAYSANDBOX_ZWITCH_AUTH" in capsys.readouterr().out


def test_credentials_come_from_the_environment(drifted_gateway, capsys, monkeypatch):
    monkeypatch.setenv("PAYSANDBOX_ZWITCH_AUTH", "Bearer ak_test_sandbox:sk_test_sandbox")
    main(
        [
            "contract",
            "zwitch",
            "--base-url",
            drifted_gateway,
            "--phases",
            "examples",
            "--max-examples",
            "1",
        ]
    )
    out = capsys.readouterr().out
    assert "PAYSANDBOX_ZWITCH_AUTH" not in out
    assert "extra field(s) /payment_id" in out  # authenticated: the details were read
