"""Timers over HTTP: a failing timer becomes a dead timer the control API shows while the
sandbox keeps serving (after a restart too); timers are bound like requests whoever fires
them; lifecycle overrides arm timers on entering a state and repeat them, on Zwitch."""

from __future__ import annotations

import time
from dataclasses import replace

import httpx
import pytest

from sandbox.context import base_url, current
from sandbox.providers.zwitch import effects as zwitch_effects
from sandbox.pytest_plugin import TEST_CONFIG
from sandbox.server import Sandbox
from tests.conftest import ZWITCH_A
from tests.providers.zwitch.helpers import DOC_TOKEN_BODY, collect


def _explode(record, ctx):
    raise RuntimeError(f"bank exploded completing {record.id}")


@pytest.fixture
def broken_completion(monkeypatch):
    """Zwitch's completion effect raises, as a provider bug would."""
    monkeypatch.setitem(zwitch_effects.EFFECTS, "payment_completed", _explode)


def _dead(control, resource_id):
    params = {"state": "dead", "resource_id": resource_id}
    return control.get("/timers", params=params).json()["data"]


def test_a_failing_timer_is_a_dead_timer_and_serving_goes_on(
    sb, zwitch, control, broken_completion
):
    doomed = collect(zwitch, remitter_vpa_handle="success@upi")
    other = collect(zwitch, remitter_vpa_handle="failure@upi", merchant_reference_id="o2")
    assert control.post("/clock/advance", json={"seconds": 60}).status_code == 200
    # the failing transition was rolled back alone: processing, not completed
    assert zwitch.get(f"/v1/payments/{doomed['id']}").json()["status"] == "processing"
    assert zwitch.get(f"/v1/payments/{other['id']}").json()["status"] == "failed"
    dead = _dead(control, doomed["id"])
    assert len(dead) == 1
    assert dead[0]["status"] == "dead" and dead[0]["resource_id"] == doomed["id"]
    assert dead[0]["event"] == "complete" and dead[0]["due_at"] == "2024-01-15T10:00:30Z"
    assert dead[0]["failed_at"] == "2024-01-15T10:01:00Z"
    assert dead[0]["error"] == f"RuntimeError: bank exploded completing {doomed['id']}"
    scheduled = control.get("/timers", params={"resource_id": doomed["id"]}).json()["data"]
    assert [(t["event"], t["status"]) for t in scheduled] == [("expire", "scheduled")]
    # later requests and a reset are answered normally
    assert zwitch.get("/v1/payments").status_code == 200
    assert collect(zwitch, merchant_reference_id="o3")["status"] == "pending"
    assert control.post("/reset").status_code == 200
    assert control.get("/timers", params={"state": "dead"}).json()["data"] == []


def test_a_dead_timer_can_be_retried_once_its_cause_is_gone(
    sb, zwitch, control, monkeypatch, broken_completion
):
    payment = collect(zwitch, remitter_vpa_handle="success@upi")
    control.post("/clock/advance", json={"seconds": 60})
    [dead] = _dead(control, payment["id"])
    failed_again = control.post(f"/timers/{dead['seq']}/retry")
    assert failed_again.status_code == 200 and failed_again.json()["fired"] == 0
    [dead] = _dead(control, payment["id"])
    monkeypatch.undo()  # the bug is fixed
    retried = control.post(f"/timers/{dead['seq']}/retry")
    assert retried.status_code == 200 and retried.json()["fired"] == 1
    assert zwitch.get(f"/v1/payments/{payment['id']}").json()["status"] == "completed"
    assert _dead(control, payment["id"]) == []
    missing = control.post(f"/timers/{dead['seq']}/retry")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_timer_listing_refuses_an_unknown_state(control):
    response = control.get("/timers", params={"state": "buried"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def _sandbox(**options) -> Sandbox:
    return Sandbox(replace(TEST_CONFIG, **options))


def test_a_poisoned_timer_does_not_come_back_after_a_restart(tmp_path, broken_completion):
    db = str(tmp_path / "sandbox.db")
    with _sandbox(db=db) as first:
        api = httpx.Client(base_url=first.url + "/zwitch", headers=ZWITCH_A)
        payment = collect(api, remitter_vpa_handle="success@upi")
        assert httpx.post(first.url + "/_sandbox/clock/advance", json={"seconds": 60}).is_success
    with _sandbox(db=db) as second:  # the effect is still broken
        control = httpx.Client(base_url=second.url + "/_sandbox")
        assert control.post("/clock/advance", json={"seconds": 3600}).status_code == 200
        api = httpx.Client(base_url=second.url + "/zwitch", headers=ZWITCH_A)
        # 30 minutes' expiry fell due in the hour, but a processing payment cannot expire
        assert api.get(f"/v1/payments/{payment['id']}").json()["status"] == "processing"
        [dead] = _dead(control, payment["id"])
        assert dead["resource_id"] == payment["id"] and "bank exploded" in dead["error"]
        assert dead["failed_at"] == "2024-01-15T10:01:00Z"  # in the first run, not again
        assert control.get("/timers", params={"resource_id": payment["id"]}).json() == {"data": []}
        assert control.post("/reset").status_code == 200


def test_the_ticker_binds_timers_exactly_as_a_request_does(monkeypatch):
    seen = []
    original = zwitch_effects.EFFECTS["payment_completed"]

    def observing(record, ctx):
        seen.append((record.id, current(), base_url()))
        return original(record, ctx)

    monkeypatch.setitem(zwitch_effects.EFFECTS, "payment_completed", observing)
    with _sandbox(tick_seconds=0.02) as sb:
        api = httpx.Client(base_url=sb.url + "/zwitch", headers=ZWITCH_A)
        by_request = collect(api, remitter_vpa_handle="success@upi")
        httpx.post(sb.url + "/_sandbox/clock/advance", json={"seconds": 60})  # a request fires
        by_ticker = collect(api, remitter_vpa_handle="success@upi", merchant_reference_id="o2")
        sb.runtime.clock.advance(60)  # no request: only the ticker can fire it
        store = sb.runtime.store
        deadline = time.monotonic() + 20
        while store.get("zwitch", "acc_1234567890", "upi_collect", by_ticker["id"]).state != (
            "completed"
        ):
            assert time.monotonic() < deadline, "the ticker did not complete the payment"
            time.sleep(0.02)
        assert api.get(f"/v1/payments/{by_request['id']}").json()["status"] == "completed"
        ours = [entry for entry in seen if entry[0] in (by_request["id"], by_ticker["id"])]
        assert ours == [
            (by_request["id"], sb.runtime, sb.url),
            (by_ticker["id"], sb.runtime, sb.url),
        ]
        assert store.dead_timers() == []


def test_timers_fired_from_test_code_are_bound_like_requests(sb, zwitch, monkeypatch):
    seen = []
    original = zwitch_effects.EFFECTS["payment_completed"]

    def observing(record, ctx):
        seen.append((record.id, current(), base_url()))
        return original(record, ctx)

    monkeypatch.setitem(zwitch_effects.EFFECTS, "payment_completed", observing)
    payment = collect(zwitch, remitter_vpa_handle="success@upi")
    sb.advance(60)  # no request, from a thread where nothing is bound
    assert [entry for entry in seen if entry[0] == payment["id"]] == [
        (payment["id"], sb.runtime, sb.url)
    ]


# -- lifecycle overrides over HTTP, on Zwitch ------------------------------------------------


def _load(control, scenario) -> None:
    response = control.post("/scenarios", json=scenario)
    assert response.status_code == 201, response.text


def test_a_timer_armed_on_entering_a_state_fires_from_the_entry(zwitch, control):
    _load(
        control,
        {
            "name": "complete-after-processing",
            "provider": "zwitch",
            "lifecycle": [
                {
                    "machine": "upi_collect",
                    "on_enter": {"processing": [{"after": "45s", "do": "complete"}]},
                }
            ],
        },
    )
    payment = collect(zwitch)  # no payer: nothing happens by itself
    control.post("/clock/advance", json={"seconds": 100})
    simulated = control.post(
        "/simulate", json={"provider": "zwitch", "resource_id": payment["id"], "event": "process"}
    ).json()
    assert simulated["state"] == "processing"
    assert simulated["scheduled"][0] == {"at": "2024-01-15T10:02:25Z", "event": "complete"}
    [armed] = control.get("/timers", params={"resource_id": payment["id"]}).json()["data"][:1]
    assert armed["armed_in"] == "processing" and armed["repeat"] is None
    control.post("/clock/advance", json={"seconds": 44})
    assert zwitch.get(f"/v1/payments/{payment['id']}").json()["status"] == "processing"
    control.post("/clock/advance", json={"seconds": 1})
    completed = zwitch.get(f"/v1/payments/{payment['id']}").json()
    assert completed["status"] == "completed"


def test_a_repeating_timer_re_arms_until_its_count_runs_out(sb, control, client_for):
    _load(
        control,
        {
            "name": "retrying-payer",
            "provider": "zwitch",
            "lifecycle": [
                {
                    "machine": "payment_token",
                    "on_enter": {"attempted": [{"every": "10s", "do": "attempt", "times": 3}]},
                }
            ],
        },
    )
    zwitch = client_for("zwitch", ZWITCH_A)
    token = zwitch.post("/v1/pg/payment_token", json=DOC_TOKEN_BODY).json()
    control.post(
        "/simulate", json={"provider": "zwitch", "resource_id": token["id"], "event": "attempt"}
    )
    [timer] = control.get("/timers", params={"resource_id": token["id"]}).json()["data"][:1]
    assert timer["repeat"] == {"every_ms": 10_000, "at": None, "left": 3, "until": None}
    control.post("/clock/advance", json={"seconds": 600})
    view = control.get(f"/resources/zwitch/{token['id']}").json()
    assert view["state"] == "attempted" and view["data"]["attempts"] == 4
    events = control.get("/events", params={"resource_id": token["id"]}).json()["data"]
    attempts = [e["at"] for e in events if e["name"] == "PaymentTokenAttempted"]
    assert attempts == [
        "2024-01-15T10:00:00Z",
        "2024-01-15T10:00:10Z",
        "2024-01-15T10:00:20Z",
        "2024-01-15T10:00:30Z",
    ]
    assert [t["event"] for t in view["scheduled"]] == ["expire"]


def test_an_override_with_a_bad_timer_is_refused_with_the_reason(control):
    response = control.post(
        "/scenarios",
        json={
            "name": "bad-timer",
            "provider": "zwitch",
            "lifecycle": [
                {
                    "machine": "upi_collect",
                    "on_enter": {"completed": [{"after": "1s", "do": "fail"}]},
                }
            ],
        },
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_scenario"
    assert "on_enter 'completed': a final state fires nothing" in error["message"]
