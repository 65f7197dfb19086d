"""The scenario format: schema errors with line numbers, semantic errors, the CLI."""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ElementTree

import pytest

from sandbox.cli import main
from sandbox.scenario.model import SCHEMA_PATH, ScenarioError, parse


def _write(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_the_schema_ships_in_the_package():
    schema = json.loads(SCHEMA_PATH.read_text())
    assert schema["title"] == "paysandbox scenario"
    assert {"fixtures", "lifecycle", "faults", "steps"} <= set(schema["properties"])


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("name: x\nprovider: zwitch\nstepz: []\n", 1, "Additional properties are not allowed"),
        (
            "name: x\nfaults:\n  - match: {method: GET}\n    nth: zero\n    respond: {status: 503}\n",
            4,
            "'zero' is not of type 'integer'",
        ),
        ("name: x\nsteps:\n  - advance: soon\n", 3, "advance"),
        ("description: no name\n", 1, "'name' is a required property"),
        ("name: x\nsteps:\n  - request: {method: GET}\n", 3, "'path' is a required property"),
        ("name: x\nsteps:\n  - expect: {status: 200}\n", 3, "needs one of"),
        ("name: x\nfaults:\n  - match: {method: GET}\n", 3, "needs one of"),
        ("name: [unclosed\n", 2, "not valid YAML"),
    ],
)
def test_schema_errors_carry_line_numbers(text, line, words):
    with pytest.raises(ScenarioError) as raised:
        parse(text, "s.yaml")
    problem = "\n".join(raised.value.problems)
    assert f"s.yaml:{line}:" in problem, problem
    assert words in problem, problem


def test_fault_triggers_are_exclusive():
    with pytest.raises(ScenarioError, match="use one of nth, every"):
        parse("name: x\nfaults:\n  - match: {}\n    nth: 1\n    every: 2\n    drop: true\n")


def test_validate_command(tmp_path, capsys):
    good = _write(tmp_path, "name: good\nprovider: zwitch\nsteps:\n  - advance: 1s\n", "good.yaml")
    bad = _write(tmp_path, "name: bad\nsteps:\n  - advance: soon\n", "bad.yaml")
    assert main(["scenario", "validate", str(good)]) == 0
    assert main(["scenario", "validate", str(good), str(bad)]) == 1
    captured = capsys.readouterr()
    assert f"ok   {good} (good)" in captured.out
    assert f"{bad}:3:" in captured.err


@pytest.mark.parametrize(
    "body, words",
    [
        ("provider: nowhere\nsteps: [{advance: 1s}]", "unknown provider 'nowhere'"),
        ("provider: zwitch\nlifecycle:\n  - machine: refund", "has no machine 'refund'"),
        (
            "provider: zwitch\nlifecycle:\n  - machine: upi_collect\n    timers: {success: [{after: 1s, do: refund}]}",
            "unknown transition 'refund'",
        ),
        ("provider: zwitch\nfixtures:\n  - {kind: refund, body: {}}", "cannot create 'refund'"),
        (
            "provider: zwitch\nfixtures:\n  - {kind: upi_collect, body: {account_id: acc_1234567890}}",
            "fixtures/0/body: 'amount' is a required property",
        ),
        (
            "provider: zwitch\nfixtures:\n  - {kind: upi_collect, tenant: acc_9, body: {}}",
            "no tenant 'acc_9'",
        ),
        (
            "provider: zwitch\nfixtures:\n  - {kind: upi_collect, state: refunded, body: {account_id: acc_1234567890, amount: 1}}",
            "cannot reach state 'refunded'",
        ),
        (
            "provider: zwitch\nfixtures:\n  - {kind: upi_collect, body: {account_id: acc_2000000002, amount: 1}}",
            "No account 'acc_2000000002'",
        ),
        (
            "provider: zwitch\nfaults:\n  - {match: {body: {amount: {bigger: 1}}}, drop: true}",
            "unknown operator",
        ),
    ],
)
def test_validate_catches_what_the_schema_cannot(tmp_path, capsys, body, words):
    path = _write(tmp_path, f"name: semantic\n{body}\n")
    assert main(["scenario", "validate", str(path)]) == 1
    assert words in capsys.readouterr().err


def test_run_command_reports_expected_and_actual_and_writes_junit(tmp_path, capsys):
    failing = _write(
        tmp_path,
        """\
        name: wrong-expectation
        provider: zwitch
        steps:
          - request: {method: GET, path: /v1/payments, query: {limit: 1}}
            expect: {status: 200, json: {pagination.limit: 2}}
        """,
        "failing.yaml",
    )
    passing = _write(
        tmp_path,
        """\
        name: right-expectation
        provider: zwitch
        steps:
          - request: {method: GET, path: /v1/payments, query: {limit: 1}}
            expect: {status: 200, json: {pagination.limit: 1}}
        """,
        "passing.yaml",
    )
    junit = tmp_path / "scenarios.xml"
    assert main(["scenario", "run", str(passing), str(failing), "--junit", str(junit)]) == 1
    out = capsys.readouterr().out
    assert "PASS right-expectation" in out and "FAIL wrong-expectation" in out
    assert "expected json pagination.limit == 2, got 1" in out
    suite = ElementTree.parse(junit).getroot()
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    assert main(["scenario", "run", str(passing)]) == 0


def test_run_command_against_a_running_sandbox(paysandbox, tmp_path, capsys):
    path = _write(
        tmp_path,
        """\
        name: remote
        provider: zwitch
        steps:
          - request: {method: POST, path: /v1/accounts/acc_1234567890/payments/upi/collect,
                      json: {amount: 5}}
            save: {pid: id}
          - simulate: {resource: "${pid}", event: complete}
        """,
    )
    assert main(["scenario", "run", str(path), "--base-url", paysandbox.url, "--reset"]) == 0
    assert "PASS remote" in capsys.readouterr().out
    assert not paysandbox.runtime.scenarios  # unloaded after the run


def test_unknown_variables_are_named(tmp_path, capsys):
    path = _write(
        tmp_path,
        """\
        name: typo
        provider: zwitch
        steps:
          - request: {method: GET, path: "/v1/payments/${payment}"}
        """,
    )
    assert main(["scenario", "run", str(path)]) == 1
    assert "unknown variable ${payment}" in capsys.readouterr().out


def test_a_simulate_step_names_the_tenant_and_kind_and_passes_params(paysandbox, tmp_path, capsys):
    path = _write(
        tmp_path,
        """\
        name: simulate-fields
        provider: zoho
        fixtures:
          - {kind: payment, tenant: "23137557", body: {amount: "200.00"}, state: succeeded,
             save_as: payment}
        steps:
          - simulate: {resource: "${payment}", tenant: "23137557", kind: payment,
                       event: refund, params: {amount: "50.00"}}
            expect: {json: {state: partially_refunded, tenant: "23137557"}}
          - simulate: {resource: "${payment}", tenant: "23137556", event: refund}
            expect: {status: 404}
        """,
    )
    assert main(["scenario", "run", str(path), "--base-url", paysandbox.url, "--reset"]) == 0, (
        capsys.readouterr().out
    )
    assert "PASS simulate-fields" in capsys.readouterr().out
