"""Loading scenarios: the control API, reset, unloading, start-up files, the pytest marker."""

from __future__ import annotations

import textwrap

import pytest

from sandbox.config import SandboxConfig
from sandbox.resources import scenarios_dir
from sandbox.runtime import Runtime
from tests.providers.zwitch.helpers import COLLECT_PATH, snapshot

FLAKY = textwrap.dedent("""\
    name: flaky
    description: every status poll fails
    provider: zwitch
    fixtures:
      - kind: upi_collect
        body: {account_id: acc_1234567890, amount: 42, merchant_reference_id: fx_flaky}
        state: completed
        save_as: paid
    faults:
      - match: {method: GET, path: "/v1/payments/{id}"}
        respond: {status: 503}
    """)


def _load(control, text=FLAKY):
    return control.post(
        "/scenarios", content=text.encode(), headers={"Content-Type": "application/yaml"}
    )


def test_load_list_unload(sb, control, zwitch):
    loaded = _load(control)
    assert loaded.status_code == 201
    body = loaded.json()
    assert body["name"] == "flaky" and body["faults"] == 1
    paid = body["fixtures"]["paid"]
    assert zwitch.get(f"/v1/payments/{paid}").status_code == 503
    assert [s["name"] for s in control.get("/scenarios").json()["data"]] == ["flaky"]
    assert control.delete("/scenarios/flaky").status_code == 204
    assert control.get("/scenarios").json()["data"] == []
    restored = zwitch.get(f"/v1/payments/{paid}")
    assert restored.status_code == 200 and restored.json()["status"] == "completed"


def test_json_documents_load_too(control):
    response = control.post(
        "/scenarios", json={"name": "as-json", "provider": "zwitch", "steps": [{"advance": "1s"}]}
    )
    assert response.status_code == 201 and response.json()["steps"] == 1


def test_loading_a_name_twice_is_a_conflict(control):
    assert _load(control).status_code == 201
    again = _load(control)
    assert again.status_code == 409 and "already loaded" in again.json()["error"]["message"]


def test_an_invalid_scenario_is_refused_with_every_problem_and_changes_nothing(sb, control):
    before = snapshot(sb)
    text = FLAKY + "    nth: zero\n" + "steps:\n  - advance: never\n"
    response = _load(control, text)
    assert response.status_code == 400
    problems = response.json()["error"]["problems"]
    assert len(problems) == 2 and all(p.startswith("<request body>:") for p in problems)
    assert any(":12:" in p and "'zero' is not of type 'integer'" in p for p in problems)
    assert any(":14:" in p and "'never' is not a duration" in p for p in problems)
    assert snapshot(sb) == before and control.get("/scenarios").json()["data"] == []


def test_a_failing_fixture_rolls_back_the_ones_before_it(sb, control):
    before = snapshot(sb)
    text = FLAKY.replace(
        "faults:",
        textwrap.dedent("""\
          - kind: upi_collect
            body: {account_id: acc_2000000002, amount: 1}
        faults:"""),
    )
    response = _load(control, text)
    assert response.status_code == 400 and "No account 'acc_2000000002'" in response.text
    assert snapshot(sb) == before


def test_unknown_scenario_unload_is_404(control):
    assert control.delete("/scenarios/nope").status_code == 404


def test_reset_keeps_scenarios_loaded_and_recreates_their_fixtures(sb, control, zwitch):
    paid = _load(control).json()["fixtures"]["paid"]
    control.post("/reset")
    assert [s["name"] for s in control.get("/scenarios").json()["data"]] == ["flaky"]
    assert sb.runtime.store.find("zwitch", paid) is not None
    assert zwitch.get(f"/v1/payments/{paid}").status_code == 503


def test_lifecycle_overrides_end_with_the_scenario(sb, control, zwitch):
    slow = (scenarios_dir() / "zwitch" / "slow-bank.yaml").read_text()
    assert _load(control, slow).status_code == 201
    during = zwitch.post(COLLECT_PATH, json={"amount": 5, "remitter_vpa_handle": "success@upi"})
    control.delete("/scenarios/zwitch-slow-bank")
    after = zwitch.post(COLLECT_PATH, json={"amount": 6, "remitter_vpa_handle": "success@upi"})
    sb.advance(31)
    # Created under the override: it keeps the slow timings it was scheduled with.
    assert zwitch.get(f"/v1/payments/{during.json()['id']}").json()["status"] == "processing"
    assert zwitch.get(f"/v1/payments/{after.json()['id']}").json()["status"] == "completed"


def test_the_scenario_schema_is_served(control):
    schema = control.get("/scenario-schema").json()
    assert schema["title"] == "paysandbox scenario"


def test_start_up_scenarios_survive_a_restart_without_duplicating_fixtures(tmp_path):
    path = tmp_path / "flaky.yaml"
    path.write_text(FLAKY)
    config = SandboxConfig(
        db=str(tmp_path / "state.db"),
        scenarios=[str(path)],
        clock_start="2024-01-15T10:00:00Z",
        clock_frozen=True,
    )
    first = Runtime(config)
    paid = first.scenarios["flaky"].fixtures["paid"]
    first.close()
    second = Runtime(config)
    assert list(second.scenarios) == ["flaky"] and len(second.faults) == 1
    assert second.scenarios["flaky"].fixtures["paid"] == paid
    page = second.store.query("zwitch", "acc_1234567890", "upi_collect", limit=1000)
    assert sum(1 for r in page.records if r.ref == "fx_flaky") == 1
    second.close()


@pytest.mark.paysandbox_scenario(
    str(scenarios_dir() / "zwitch" / "intermittent-5xx-status-polls.yaml")
)
def test_the_pytest_marker_loads_a_scenario(sb, zwitch):
    payment = zwitch.post(COLLECT_PATH, json={"amount": 5}).json()
    assert zwitch.get(f"/v1/payments/{payment['id']}").status_code == 200
    assert zwitch.get(f"/v1/payments/{payment['id']}").status_code == 503


def test_without_the_marker_no_scenario_is_loaded(sb):
    assert sb.runtime.scenarios == {} and sb.runtime.faults == ()


def test_unquoted_dates_stay_the_text_a_client_sends(control):
    # YAML reads `2024-01-14` as a date; a scenario is JSON data, stored and sent as text.
    text = (
        "name: dated\nprovider: zwitch\nsteps:\n"
        "  - request: {method: GET, path: /v1/payments, query: {from_date: 2024-01-14}}\n"
    )
    loaded = control.post("/scenarios", content=text, headers={"Content-Type": "application/yaml"})
    assert loaded.status_code == 201, loaded.text
    control.delete("/scenarios/dated")
