"""Scenario rules for deliveries: duplicate, delay, reorder, replay, tamper, drop signature."""

from __future__ import annotations

import json
import textwrap

from sandbox.scenario.model import parse
from sandbox.webhooks import verify_signature
from tests.providers.zwitch.helpers import COLLECT_PATH
from tests.webhooks.conftest import deliver


def _rule(sb, rule: str) -> None:
    sb.runtime.load_scenario(
        parse(
            "name: webhook-faults\nprovider: zwitch\nwebhooks:\n"
            + textwrap.indent(textwrap.dedent(rule), "  ")
        )
    )


def _pay(zwitch, payer="success@upi"):
    return zwitch.post(COLLECT_PATH, json={"amount": 7, "remitter_vpa_handle": payer}).json()


def _ours(receiver, payment):
    return [
        (json.loads(body)["event"], json.loads(body)["event_id"], headers, body)
        for headers, body in receiver.received
        if json.loads(body)["id"] == payment["id"]
    ]


def test_duplicates_share_the_event_id(sb, zwitch, control, hooked):
    _rule(sb, "- match: {event: payment_pending}\n  duplicate: 2\n")
    payment = _pay(zwitch, payer="someone@okaxis")
    deliver(control)
    got = _ours(hooked, payment)
    assert [event for event, *_ in got] == ["payment_pending"] * 3
    assert len({event_id for _, event_id, *_ in got}) == 1


def test_a_delay_holds_the_first_attempt_on_the_sandbox_clock(sb, zwitch, control, hooked):
    _rule(sb, "- match: {event: payment_pending}\n  delay: 5m\n")
    payment = _pay(zwitch, payer="someone@okaxis")
    deliver(control)
    assert _ours(hooked, payment) == []
    sb.advance(300)
    deliver(control)
    assert [event for event, *_ in _ours(hooked, payment)] == ["payment_pending"]


def test_reorder_lets_a_later_event_overtake(sb, zwitch, control, hooked):
    _rule(sb, "- match: {event: payment_pending}\n  reorder: 2m\n")
    payment = _pay(zwitch)
    sb.advance(60)  # completes at 30 s
    deliver(control)
    sb.advance(120)
    deliver(control)
    assert [event for event, *_ in _ours(hooked, payment)] == [
        "payment_captured",
        "payment_pending",
    ]


def test_replay_sends_a_delivered_event_again_later(sb, zwitch, control, hooked):
    _rule(sb, "- match: {event: payment_pending}\n  replay: 10m\n")
    payment = _pay(zwitch, payer="someone@okaxis")
    deliver(control)
    assert len(_ours(hooked, payment)) == 1
    sb.advance(600)
    deliver(control)
    got = _ours(hooked, payment)
    assert [event for event, *_ in got] == ["payment_pending", "payment_pending"]
    assert got[0][1] == got[1][1] and got[0][3] == got[1][3]


def test_a_tampered_body_fails_verification(sb, zwitch, control, hooked):
    _rule(sb, "- match: {event: payment_pending}\n  tamper: true\n")
    payment = _pay(zwitch, payer="someone@okaxis")
    deliver(control)
    ((_, _, headers, body),) = _ours(hooked, payment)
    assert json.loads(body)["amount"] == 700.0
    assert "x-zwitch-signature" in headers
    assert not verify_signature("zwitch", body, headers, "whsec_test_zwitch")


def test_a_dropped_signature_header(sb, zwitch, control, hooked):
    _rule(sb, "- match: {event: payment_pending}\n  drop_signature: true\n")
    payment = _pay(zwitch, payer="someone@okaxis")
    deliver(control)
    ((_, _, headers, body),) = _ours(hooked, payment)
    assert "x-zwitch-signature" not in headers
    assert not verify_signature("zwitch", body, headers, "whsec_test_zwitch")


def test_triggers_pick_which_notifications_are_hit(sb, zwitch, control, hooked):
    _rule(sb, "- match: {event: payment_pending}\n  nth: 2\n  drop_signature: true\n")
    payments = [_pay(zwitch, payer="someone@okaxis") for _ in range(3)]
    deliver(control)
    signed = ["x-zwitch-signature" in _ours(hooked, p)[0][2] for p in payments]
    assert signed == [True, False, True]


def test_a_body_condition_narrows_the_rule(sb, zwitch, control, hooked):
    _rule(
        sb, "- match: {event: payment_pending, body: {amount: {gt: 100}}}\n  drop_signature: true\n"
    )
    small = _pay(zwitch, payer="someone@okaxis")
    big = zwitch.post(COLLECT_PATH, json={"amount": 500}).json()
    deliver(control)
    assert "x-zwitch-signature" in _ours(hooked, small)[0][2]
    assert "x-zwitch-signature" not in _ours(hooked, big)[0][2]
