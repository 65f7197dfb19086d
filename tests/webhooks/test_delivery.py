"""Webhook delivery to a real receiver: signatures, order, retries on the sandbox clock,
restarts, endpoints, inspection and redelivery."""

from __future__ import annotations

import json

import schemathesis

from sandbox.config import SandboxConfig
from sandbox.providers.zwitch.webhooks import sign
from sandbox.resources import spec_path
from sandbox.runtime import Runtime
from sandbox.webhooks import MAX_ATTEMPTS, backoff_ms, verify_signature
from tests.providers.zwitch.helpers import COLLECT_PATH, DOC_TOKEN_BODY
from tests.webhooks.conftest import deliver

ZWITCH_SPEC = schemathesis.openapi.from_path(str(spec_path("zwitch"))).raw_schema


def _validate(payload, schema_name):
    from jsonschema import Draft4Validator
    from jsonschema.validators import RefResolver

    schema = {"$ref": f"#/components/schemas/{schema_name}"}
    Draft4Validator(schema, resolver=RefResolver("", ZWITCH_SPEC)).validate(payload)


def test_signature_verifies_and_body_is_compact_json(sb, zwitch, control, hooked):
    payment = zwitch.post(COLLECT_PATH, json={"amount": 55.3}).json()
    deliver(control)
    headers, body = hooked.received[0]
    assert b" " not in body and b"\n" not in body
    assert verify_signature("zwitch", body, headers, "whsec_test_zwitch")
    assert not verify_signature("zwitch", body, headers, "whsec_wrong")
    assert not verify_signature("zwitch", body + b" ", headers, "whsec_test_zwitch")
    assert headers["x-zwitch-signature"] == sign(body, "whsec_test_zwitch")["x-zwitch-signature"]
    payload = json.loads(body)
    assert payload["event"] == "payment_pending" and payload["id"] == payment["id"]
    assert payload["event_id"].startswith("evt_") and payload["amount"] == 55.3
    _validate(payload, "PaymentWebhook")


def test_payment_events_arrive_in_order_per_resource(sb, zwitch, control, hooked):
    paid = zwitch.post(
        COLLECT_PATH, json={"amount": 1, "remitter_vpa_handle": "success@upi"}
    ).json()
    declined = zwitch.post(
        COLLECT_PATH, json={"amount": 2, "remitter_vpa_handle": "failure@upi"}
    ).json()
    lapsed = zwitch.post(COLLECT_PATH, json={"amount": 3, "expiry_in_minutes": 1}).json()
    cancelled = zwitch.post(COLLECT_PATH, json={"amount": 4}).json()
    control.post(
        "/simulate", json={"provider": "zwitch", "resource_id": cancelled["id"], "event": "cancel"}
    )
    sb.advance(120)
    deliver(control)
    events = hooked.events()
    assert [e for r, e in events if r == paid["id"]] == ["payment_pending", "payment_captured"]
    assert [e for r, e in events if r == declined["id"]] == ["payment_pending", "payment_failed"]
    assert [e for r, e in events if r == lapsed["id"]] == ["payment_pending", "payment_failed"]
    assert [e for r, e in events if r == cancelled["id"]] == [
        "payment_pending",
        "payment_cancelled",
    ]
    captured = json.loads(hooked.received[[e for _, e in events].index("payment_captured")][1])
    assert captured["status"] == "completed" and captured["completed_at"] == "2024-01-15T10:01:30Z"
    expired = next(
        json.loads(b)
        for _, b in hooked.received
        if json.loads(b)["id"] == lapsed["id"] and json.loads(b)["event"] == "payment_failed"
    )
    assert expired["status"] == "expired"


def test_token_events_carry_the_nested_payment(sb, zwitch, control, hooked):
    token = zwitch.post("/v1/pg/payment_token", json=DOC_TOKEN_BODY).json()
    for event in ("attempt", "pay"):
        control.post(
            "/simulate", json={"provider": "zwitch", "resource_id": token["id"], "event": event}
        )
    deliver(control)
    bodies = [json.loads(body) for _, body in hooked.received]
    assert [b["event"] for b in bodies] == [
        "payment_token_created",
        "payment_token_attempted",
        "payment_token_paid",
    ]
    assert "payment" not in bodies[0]
    assert bodies[1]["payment"]["status"] == "failed"
    paid = bodies[2]
    assert paid["status"] == "paid" and paid["payment"]["status"] == "captured"
    assert paid["payment"]["amount"] == "10.00" and paid["payment"]["id"].startswith("py_")
    for body in bodies:
        _validate(body, "PaymentTokenWebhook")


def test_receiver_down_then_up_retries_on_the_sandbox_clock(sb, zwitch, control, hooked):
    hooked.stop()  # connections are refused
    payment = zwitch.post(
        COLLECT_PATH, json={"amount": 9, "remitter_vpa_handle": "success@upi"}
    ).json()
    sb.advance(60)  # completes: pending and captured queue up
    deliver(control)
    pending, captured = control.get("/webhooks", params={"resource_id": payment["id"]}).json()[
        "data"
    ]
    assert captured["attempts"] == []  # it waits behind the pending event
    failed = pending["attempts"]
    assert all(a["status_code"] is None and "ConnectError" in a["error"] for a in failed)
    # The runtime's own sender may have tried once already, when the payment was created
    # at 10:01 (before the clock moved); then the next wait is the second backoff.
    tried = [a["at"] for a in failed]
    if len(failed) == 1:
        assert tried == ["2024-01-15T10:02:00Z"]
        assert pending["next_attempt_at"] == "2024-01-15T10:02:30Z"  # 30 s after it
    else:
        assert tried == ["2024-01-15T10:01:00Z", "2024-01-15T10:02:00Z"]
        assert pending["next_attempt_at"] == "2024-01-15T10:03:00Z"  # 60 s after the second
    assert deliver(control) == []  # nothing is due before the clock moves
    hooked.start()
    sb.advance(backoff_ms(len(failed)) // 1000)
    deliver(control)
    assert [event for event in hooked.events() if event[0] == payment["id"]] == [
        (payment["id"], "payment_pending"),
        (payment["id"], "payment_captured"),
    ]
    listed = control.get("/webhooks", params={"resource_id": payment["id"]}).json()["data"]
    assert [(d["event"], d["status"], len(d["attempts"])) for d in listed] == [
        ("payment_pending", "delivered", len(failed) + 1),
        ("payment_captured", "delivered", 1),
    ]


def test_error_answers_are_retried_with_backoff_until_the_limit(sb, zwitch, control, hooked):
    hooked.status = 503
    payment = zwitch.post(COLLECT_PATH, json={"amount": 9, "expiry_in_minutes": 1440}).json()
    ours = {"resource_id": payment["id"]}
    for attempt in range(1, MAX_ATTEMPTS + 1):
        deliver(control)  # (the background worker may have got there first: same result)
        delivery = control.get("/webhooks", params=ours).json()["data"][0]
        assert len(delivery["attempts"]) == attempt
        if attempt < MAX_ATTEMPTS:
            sb.advance(backoff_ms(attempt) / 1000 - 1)
            deliver(control)
            assert len(control.get("/webhooks", params=ours).json()["data"][0]["attempts"]) == (
                attempt
            )  # not due yet
            sb.advance(1)
    delivery = control.get("/webhooks", params={"resource_id": payment["id"]}).json()["data"][0]
    assert delivery["status"] == "failed" and delivery["next_attempt_at"] is None
    assert [a["status_code"] for a in delivery["attempts"]] == [503] * MAX_ATTEMPTS
    hooked.status = 200
    redelivered = control.post(f"/webhooks/{delivery['id']}/redeliver")
    assert redelivered.status_code == 200 and redelivered.json()["status"] == "pending"
    deliver(control)
    assert control.get("/webhooks", params=ours).json()["data"][0]["status"] == "delivered"
    assert [r for r, _ in hooked.events()].count(payment["id"]) == MAX_ATTEMPTS + 1


def test_redeliver_sends_a_delivered_event_again_with_its_event_id(sb, zwitch, control, hooked):
    zwitch.post(COLLECT_PATH, json={"amount": 9})
    deliver(control)
    delivered = control.get("/webhooks", params={"status": "delivered"}).json()["data"][-1]
    control.post(f"/webhooks/{delivered['id']}/redeliver")
    deliver(control)
    ids = [json.loads(body)["event_id"] for _, body in hooked.received]
    assert ids == [delivered["event_id"]] * 2
    assert control.post("/webhooks/whd_nope/redeliver").status_code == 404


def test_a_tenant_without_an_endpoint_gets_nothing(sb, zwitch_b, control, receiver):
    zwitch_b.post("/v1/accounts/acc_2000000002/payments/upi/collect", json={"amount": 5})
    deliver(control)
    assert receiver.received == [] and control.get("/webhooks").json()["data"] == []


def test_endpoints_are_listed_set_and_kept_across_a_reset(control, receiver):
    listed = control.get("/webhooks/endpoints").json()["data"]
    assert {(e["tenant"], e["url"], e["secret"]) for e in listed if e["provider"] == "zwitch"} == {
        ("acc_1234567890", None, "whsec_test_zwitch"),
        ("acc_2000000002", None, "whsec_test_other"),
    }
    put = control.put(
        "/webhooks/endpoints/zwitch/acc_2000000002",
        json={"url": receiver.url, "secret": "whsec_rotated"},
    )
    assert put.json() == {
        "provider": "zwitch",
        "tenant": "acc_2000000002",
        "url": receiver.url,
        "secret": "whsec_rotated",
    }
    control.post("/reset")
    kept = {e["tenant"]: e for e in control.get("/webhooks/endpoints").json()["data"]}
    assert kept["acc_2000000002"]["url"] == receiver.url
    assert control.delete("/webhooks/endpoints/zwitch/acc_2000000002").status_code == 204
    assert control.delete("/webhooks/endpoints/zwitch/acc_2000000002").status_code == 404
    assert (
        control.put("/webhooks/endpoints/zwitch/acc_nope", json={"url": receiver.url}).status_code
        == 404
    )


def test_a_rotated_secret_signs_new_deliveries(sb, zwitch, control, hooked):
    control.put(
        "/webhooks/endpoints/zwitch/acc_1234567890",
        json={"url": hooked.url, "secret": "whsec_rotated"},
    )
    zwitch.post(COLLECT_PATH, json={"amount": 9})
    deliver(control)
    headers, body = hooked.received[0]
    assert verify_signature("zwitch", body, headers, "whsec_rotated")


def test_pending_deliveries_survive_a_restart(tmp_path, receiver):
    config = SandboxConfig(
        db=str(tmp_path / "state.db"),
        clock_start="2024-01-15T10:00:00Z",
        clock_frozen=True,
        webhooks=[{"provider": "zwitch", "tenant": "acc_1234567890", "url": receiver.url}],
    )
    first = Runtime(config)
    first.advance(60)  # the seeded in-flight payment completes: its events are queued
    queued = [(d.resource_id, d.event) for d in first.store.deliveries(status="pending")]
    assert queued and not receiver.received
    first.close()  # stopped before delivering anything

    import asyncio

    second = Runtime(config)

    async def deliver_all():
        try:
            return await second.deliver_webhooks()
        finally:
            await second.aclose()

    asyncio.run(deliver_all())
    assert receiver.events() == queued
    assert second.store.deliveries(status="pending") == []
    second.close()


def test_simulate_sends_the_webhook_a_real_transition_would(sb, zwitch, control, hooked):
    payment = zwitch.post(COLLECT_PATH, json={"amount": 9}).json()
    control.post(
        "/simulate", json={"provider": "zwitch", "resource_id": payment["id"], "event": "complete"}
    )
    deliver(control)
    assert hooked.events() == [
        (payment["id"], "payment_pending"),
        (payment["id"], "payment_captured"),
    ]


def test_the_inbox_receives_verifies_and_can_be_taken_down(sb, zwitch, control):
    sb.advance(60)  # let the seeded in-flight payment settle first
    control.put(
        "/webhooks/endpoints/zwitch/acc_1234567890", json={"url": f"{sb.url}/_sandbox/inbox/shop"}
    )
    assert control.put("/inbox/shop/status", json={"status": 503}).json() == {"status": 503}
    payment = zwitch.post(COLLECT_PATH, json={"amount": 9}).json()
    deliver(control)
    ours = {"resource_id": payment["id"]}
    assert control.get("/webhooks", params=ours).json()["data"][0]["status"] == "pending"
    control.put("/inbox/shop/status", json={"status": 200})
    sb.advance(30)
    deliver(control)
    assert control.get("/webhooks", params=ours).json()["data"][0]["status"] == "delivered"
    inbox = control.get("/inbox/shop").json()
    assert [e["status"] for e in inbox["data"]] == [503, 200]
    assert inbox["data"][1]["verified_by"] == "zwitch:acc_1234567890"
    assert inbox["data"][0]["body"] == inbox["data"][1]["body"]
    control.delete("/webhooks/endpoints/zwitch/acc_1234567890")
