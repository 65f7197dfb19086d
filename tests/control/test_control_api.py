"""The control API: reset, credentials, clock, journal, simulate, resources, events."""

from __future__ import annotations

import json

from tests.conftest import ZWITCH_A
from tests.providers.zwitch.helpers import collect


def _everything(zwitch):
    return zwitch.get("/v1/payments", params={"limit": 100}).json()


def test_reset_returns_exactly_to_the_seeded_state(sb, zwitch, control):
    seeded = _everything(zwitch)
    collect(zwitch, remitter_vpa_handle="success@upi")
    control.post("/clock/advance", json={"seconds": 7200})
    assert _everything(zwitch) != seeded
    reset = control.post("/reset")
    assert reset.status_code == 200 and reset.json()["clock"]["now"] == "2024-01-15T10:00:00Z"
    assert _everything(zwitch) == seeded


def test_ids_restart_after_reset(zwitch, control):
    first = collect(zwitch)["id"]
    control.post("/reset")
    assert collect(zwitch)["id"] == first


def test_credentials_match_the_design_table(control):
    tenants = {t["id"]: t for t in control.get("/credentials").json()["zwitch"]}
    a, b = tenants["acc_1234567890"], tenants["acc_2000000002"]
    assert a["credentials"]["authorization"] == "Bearer ak_test_sandbox:sk_test_sandbox"
    assert a["credentials"]["webhook_secret"] == "whsec_test_zwitch"
    assert "acc_1234567890" in a["profile"]["accounts"]
    assert b["credentials"]["authorization"] == "Bearer ak_test_other:sk_test_other"
    assert b["profile"]["accounts"] == ["acc_2000000002"]


def _last_event_seq(control) -> int:
    events = control.get("/events", params={"limit": 1000}).json()["data"]
    return max((e["seq"] for e in events), default=0)


def test_clock_read_advance_freeze_resume(zwitch, control):
    clock = control.get("/clock").json()
    assert clock == {
        "now": "2024-01-15T10:00:00Z",
        "now_ms": 1705312800000,
        "start": "2024-01-15T10:00:00Z",
        "frozen": True,
    }
    paid = collect(zwitch, remitter_vpa_handle="success@upi")
    before = _last_event_seq(control)
    advanced = control.post("/clock/advance", json={"seconds": 90.5}).json()
    assert advanced["now_ms"] == 1705312890500
    # Every transition a timer fires emits one event: `fired` counts exactly those.
    fired = control.get("/events", params={"after": before, "limit": 1000}).json()["data"]
    assert advanced["fired"] == len(fired)
    assert [e["name"] for e in fired if e["resource_id"] == paid["id"]] == [
        "PaymentProcessing",
        "PaymentCompleted",
    ]
    assert control.post("/clock/advance", json={"seconds": 1}).json()["fired"] == 0
    running = control.post("/clock/resume").json()
    assert running["frozen"] is False and running["now_ms"] >= 1705312890500
    assert control.post("/clock/freeze").json()["frozen"] is True


def test_clock_refuses_going_backward_or_bad_input(control):
    for body in ({"seconds": -1}, {"seconds": "10"}, {}, {"seconds": 1, "extra": 1}):
        response = control.post("/clock/advance", json=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "validation_error"


def test_journal_records_requests_newest_first_with_filters(sb, zwitch, control):
    control.delete("/requests")
    collect(zwitch)
    zwitch.get("/v1/payments/pay_missing")
    entries = control.get("/requests").json()["data"]
    assert [e["path"] for e in entries[:2]] == [
        "/zwitch/v1/payments/pay_missing",
        "/zwitch/v1/accounts/acc_1234567890/payments/upi/collect",
    ]
    created = entries[1]
    assert created["method"] == "POST" and created["status"] == 200
    assert json.loads(created["request_body"])["merchant_reference_id"] == "order_123"
    assert json.loads(created["response_body"])["id"].startswith("pay_")
    assert created["provider"] == "zwitch" and created["at"] == "2024-01-15T10:00:00Z"
    only_404 = control.get("/requests", params={"status": 404}).json()["data"]
    assert [e["path"] for e in only_404] == ["/zwitch/v1/payments/pay_missing"]
    by_path = control.get("/requests", params={"path": "/zwitch/v1/accounts"}).json()["data"]
    assert len(by_path) == 1
    assert (
        control.get("/requests", params={"provider": "zwitch", "method": "GET"}).json()["data"][0][
            "path"
        ]
        == "/zwitch/v1/payments/pay_missing"
    )
    assert (
        control.get("/requests", params={"limit": 1}).json()["data"][0]["seq"] == entries[0]["seq"]
    )


def test_reading_the_journal_is_not_journaled(control):
    control.delete("/requests")
    control.get("/requests")
    control.get("/requests")
    assert control.get("/requests").json()["data"] == []


def test_journal_size_is_bounded(sb, control):
    control.delete("/requests")
    keep = sb.runtime.config.journal_size
    with sb.client() as raw:
        for _ in range(keep + 100):
            raw.get("/_sandbox/clock")
    assert len(control.get("/requests", params={"limit": 1000}).json()["data"]) <= keep + 64


def test_simulate_applies_a_legal_transition_now(zwitch, control):
    payment = collect(zwitch)
    result = control.post(
        "/simulate", json={"provider": "zwitch", "resource_id": payment["id"], "event": "complete"}
    )
    assert result.status_code == 200
    body = result.json()
    assert body["state"] == "completed" and body["allowed_events"] == []
    assert body["data"]["completed_at"] == 1705312800000
    assert zwitch.get(f"/v1/payments/{payment['id']}").json()["status"] == "completed"


def test_simulate_refuses_an_illegal_transition_listing_the_allowed_ones(zwitch, control):
    payment = collect(zwitch)
    response = control.post(
        "/simulate", json={"provider": "zwitch", "resource_id": payment["id"], "event": "refund"}
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["state"] == "pending"
    assert error["allowed"] == ["process", "complete", "fail", "expire", "cancel"]
    assert "cannot refund" in error["message"]


def test_simulate_unknown_resource_or_provider_is_404(control):
    for provider, resource in (("zwitch", "pay_nope"), ("nope", "pay_nope")):
        response = control.post(
            "/simulate", json={"provider": provider, "resource_id": resource, "event": "complete"}
        )
        assert response.status_code == 404


def test_resource_view_shows_outcome_allowed_events_and_schedule(zwitch, control):
    payment = collect(zwitch, remitter_vpa_handle="success@upi")
    view = control.get(f"/resources/zwitch/{payment['id']}").json()
    assert view["state"] == "pending" and view["outcome"] == "success"
    assert view["tenant"] == "acc_1234567890" and view["kind"] == "upi_collect"
    assert view["scheduled"] == [
        {"at": "2024-01-15T10:00:10Z", "event": "process"},
        {"at": "2024-01-15T10:00:30Z", "event": "complete"},
        {"at": "2024-01-15T10:30:00Z", "event": "expire"},
    ]
    assert "_fingerprint" not in view["data"]


def test_events_list_transitions_in_order(sb, zwitch, control):
    payment = collect(zwitch, remitter_vpa_handle="failure@upi")
    sb.advance(60)
    events = control.get("/events", params={"resource_id": payment["id"]}).json()["data"]
    assert [(e["name"], e["state"]) for e in events] == [
        ("PaymentPending", "pending"),
        ("PaymentFailed", "failed"),
    ]
    later = control.get(
        "/events", params={"after": events[0]["seq"], "resource_id": payment["id"]}
    ).json()["data"]
    assert [e["name"] for e in later] == ["PaymentFailed"]


def test_control_api_errors_have_the_control_shape(control):
    response = control.get("/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_swagger_ui_is_served_for_every_spec(sb):
    with sb.client() as browser:
        for prefix in ("zwitch", "_sandbox"):
            assert browser.get(f"/{prefix}/ui/").status_code == 200
            assert browser.get(f"/{prefix}/openapi.json").json()["openapi"].startswith("3.")


def test_auth_header_of_one_provider_is_not_needed_by_the_control_api(client_for):
    assert client_for("_sandbox", ZWITCH_A).get("/clock").status_code == 200
