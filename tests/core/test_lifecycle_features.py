"""Lifecycle features the next providers build on, proved on small machines through the
engine: timers armed on entering a state, repeating timers, effects that create child
resources in the parent's transaction, record kinds, and dead timers."""

from __future__ import annotations

import pytest
import yaml

from sandbox.clock import Clock
from sandbox.ids import IdGenerator
from sandbox.lifecycle import (
    Draft,
    Engine,
    IllegalTransition,
    UnknownKind,
    load_machines,
    machine_from_dict,
)
from sandbox.store import SQLiteStore

START = 1_000_000
DAY = 86_400_000
HOUR = 3_600_000

MACHINES = yaml.safe_load("""
subscription:
  initial: pending
  terminal: [cancelled, completed]
  created_event: SubscriptionCreated
  transitions:
    activate: {from: [pending], to: active, event: Activated}
    renew:    {from: [active], to: active, event: Renewed, effect: charge_period}
    pause:    {from: [active], to: paused, event: Paused}
    resume:   {from: [paused], to: active, event: Resumed}
    cancel:   {from: [pending, active, paused], to: cancelled, event: Cancelled}
  on_enter:
    pending:
      - {after: 1h, do: cancel}
    active:
      - {every: 30d, do: renew, times: 3}
      - {after: 2d, do: pause, when: {plan: trial}}

payment:
  initial: created
  terminal: [captured, failed]
  created_event: PaymentCreated
  transitions:
    capture: {from: [created], to: captured, event: PaymentCaptured}
    fail:    {from: [created], to: failed, event: PaymentFailed}
  outcomes:
    - {when: {amount: {gt: 1000}}, outcome: decline}
    - {outcome: ok}
  timers:
    ok: [{after: 5s, do: capture}]
    decline: [{after: 5s, do: fail}]

batch:
  initial: open
  terminal: [closed]
  transitions:
    pay_out: {from: [open], to: open, event: PaidOut, effect: count_payout}
    close:   {from: [open], to: closed}
  timers:
    always: [{every: 1d, do: pay_out, until: {payouts: {gte: 2}}}]

statement:
  record: true
  initial: available
  created_event: StatementAvailable
""")


def _charge_period(record, ctx):
    period = record.data.get("periods", 0) + 1
    child = ctx.create(
        Draft(
            "payment",
            ctx.ids.new("pay_", 8),
            {"amount": record.data["amount"], "period": period},
            parent=record.id,
        )
    )
    if record.data.get("explode_on") == period:
        raise RuntimeError(f"card network down in period {period}")
    return {"periods": period, "last_payment": child.id}


EFFECTS = {
    "charge_period": _charge_period,
    "count_payout": lambda record, ctx: {"payouts": record.data.get("payouts", 0) + 1},
}


def _engine(store=None):
    store = store or SQLiteStore()
    clock = Clock(start_ms=START, frozen=True)
    machines = {name: machine_from_dict(name, spec) for name, spec in MACHINES.items()}
    return Engine(store, clock, IdGenerator(1, store.next_number), {"p": machines}, {"p": EFFECTS})


def _subscription(engine, id="sub_1", **data):
    return engine.create("p", "t", "subscription", id, {"amount": 499, **data})


def _get(engine, kind, id):
    return engine.store.get("p", "t", kind, id)


def _events(engine, id):
    return [(e.name, e.at) for e in engine.store.events(resource_id=id)]


def _children(engine, parent):
    return engine.store.query("p", "t", "payment", where={"parent": parent}, limit=100).records


# -- timers armed on entering a state --------------------------------------------------


def test_a_timer_armed_on_entering_the_initial_state_fires():
    engine = _engine()
    _subscription(engine)
    engine.clock.advance(2 * 3600)
    assert engine.fire_due() == 1
    assert _get(engine, "subscription", "sub_1").state == "cancelled"
    assert _events(engine, "sub_1")[-1] == ("Cancelled", START + HOUR)


def test_leaving_a_state_cancels_its_timers_and_entering_one_arms_its_own():
    engine = _engine()
    _subscription(engine)
    engine.clock.advance(600)
    engine.apply("p", "t", "subscription", "sub_1", "activate")
    timers = engine.store.timers_for("p", "sub_1")
    # the pending state's cancel is gone; active's renewal is armed from the activation
    assert [(t.action, t.due_at, t.state) for t in timers] == [
        ("renew", START + 600_000 + 30 * DAY, "active")
    ]
    assert timers[0].repeat == {"every": 30 * DAY, "left": 3, "until": None}


def test_a_when_condition_arms_a_timer_only_for_matching_resources():
    engine = _engine()
    _subscription(engine, "trial", plan="trial")
    _subscription(engine, "paid", plan="gold")
    for id in ("trial", "paid"):
        engine.apply("p", "t", "subscription", id, "activate")
    engine.clock.advance(3 * 24 * 3600)
    engine.fire_due()
    assert _get(engine, "subscription", "trial").state == "paused"
    assert _get(engine, "subscription", "paid").state == "active"


# -- repeating timers and child resources -----------------------------------------------


def test_a_repeating_timer_fires_its_count_each_period_creating_children_with_their_timers():
    engine = _engine()
    _subscription(engine)
    engine.apply("p", "t", "subscription", "sub_1", "activate")
    engine.clock.advance(365 * 24 * 3600)
    assert engine.fire_due() == 6  # three renewals, each child payment captured
    subscription = _get(engine, "subscription", "sub_1")
    assert subscription.state == "active" and subscription.data["periods"] == 3
    renewals = [at for name, at in _events(engine, "sub_1") if name == "Renewed"]
    assert renewals == [START + n * 30 * DAY for n in (1, 2, 3)]
    children = sorted(_children(engine, "sub_1"), key=lambda r: r.created_at)
    assert [c.created_at for c in children] == renewals  # created at each period's instant
    assert [c.data["period"] for c in children] == [1, 2, 3]
    assert {c.state for c in children} == {"captured"}
    assert subscription.data["last_payment"] == children[-1].id
    for child in children:  # the child's own created event and timer applied
        assert _events(engine, child.id) == [
            ("PaymentCreated", child.created_at),
            ("PaymentCaptured", child.created_at + 5000),
        ]
    assert engine.store.timers_for("p", "sub_1") == []


def test_a_child_gets_its_own_outcome():
    engine = _engine()
    _subscription(engine, amount=5000)
    engine.apply("p", "t", "subscription", "sub_1", "activate")
    engine.clock.advance(31 * 24 * 3600)
    engine.fire_due()
    [child] = _children(engine, "sub_1")
    assert child.data["_outcome"] == "decline" and child.state == "failed"


def test_leaving_the_state_stops_a_repeating_timer_and_coming_back_rearms_it():
    engine = _engine()
    _subscription(engine)
    engine.apply("p", "t", "subscription", "sub_1", "activate")
    engine.clock.advance(31 * 24 * 3600)
    engine.fire_due()
    engine.apply("p", "t", "subscription", "sub_1", "pause")
    assert engine.store.timers_for("p", "sub_1") == []
    engine.clock.advance(100 * 24 * 3600)
    assert engine.fire_due() == 0
    resumed = engine.clock.now_ms()
    engine.apply("p", "t", "subscription", "sub_1", "resume")
    [timer] = engine.store.timers_for("p", "sub_1")
    assert (timer.due_at, timer.repeat["left"]) == (resumed + 30 * DAY, 3)


def test_until_ends_a_repeating_timer():
    engine = _engine()
    engine.create("p", "t", "batch", "b1", {})
    engine.clock.advance(10 * 24 * 3600)
    assert engine.fire_due() == 2
    batch = _get(engine, "batch", "b1")
    assert batch.data["payouts"] == 2 and batch.state == "open"
    assert engine.store.timers_for("p", "b1") == []


def test_a_child_created_by_a_failing_effect_is_undone_with_the_transition():
    engine = _engine()
    _subscription(engine, explode_on=1)
    engine.apply("p", "t", "subscription", "sub_1", "activate")
    before = _get(engine, "subscription", "sub_1")
    with pytest.raises(RuntimeError, match="card network down"):
        engine.apply("p", "t", "subscription", "sub_1", "renew")
    assert _get(engine, "subscription", "sub_1") == before
    assert _children(engine, "sub_1") == []
    assert [name for name, _ in _events(engine, "sub_1")] == ["SubscriptionCreated", "Activated"]
    assert [t.resource_id for t in engine.store.timers_for("p", "sub_1")] == ["sub_1"]


SCHEDULE = yaml.safe_load("""
plan:
  initial: running
  terminal: [done]
  transitions:
    bill: {from: [running], to: running, event: Billed, effect: next_bill}
    stop: {from: [running], to: done}
  on_enter:
    running: [{at: next_at, do: bill, repeat: true, times: 4}]
""")


def _next_bill(record, ctx):
    # Uneven periods, as calendar months are: 31, 29, 31, 30 days.
    gaps = [31, 29, 31, 30, 31]
    billed = record.data.get("billed", 0) + 1
    return {"billed": billed, "next_at": record.data["next_at"] + gaps[billed] * DAY}


def test_a_timer_repeating_at_the_instants_the_data_hold():
    store = SQLiteStore()
    machines = {"plan": machine_from_dict("plan", SCHEDULE["plan"])}
    engine = Engine(
        store,
        Clock(start_ms=START, frozen=True),
        IdGenerator(1, store.next_number),
        {"p": machines},
        {"p": {"next_bill": _next_bill}},
    )
    engine.create("p", "t", "plan", "pl", {"next_at": START + 31 * DAY})
    engine.clock.advance(400 * 24 * 3600)
    assert engine.fire_due() == 4  # `times` ends it
    billed = [at for name, at in _events(engine, "pl") if name == "Billed"]
    assert billed == [START + d * DAY for d in (31, 60, 91, 121)]
    assert engine.store.timers_for("p", "pl") == []


def test_repeat_needs_an_at_timer():
    with pytest.raises(ValueError, match="repeat: true"):
        machine_from_dict(
            "x",
            {
                "initial": "a",
                "transitions": {"t": {"from": ["a"], "to": "a"}},
                "timers": {"always": [{"every": "1d", "do": "t", "repeat": True}]},
            },
        )


# -- a timer whose transition raises ------------------------------------------------------


def test_a_failing_timer_is_rolled_back_alone_and_kept_as_a_dead_timer(tmp_path):
    db = tmp_path / "sandbox.db"
    engine = _engine(SQLiteStore(db))
    _subscription(engine, "bad", explode_on=2)
    _subscription(engine, "good")
    for id in ("bad", "good"):
        engine.apply("p", "t", "subscription", id, "activate")
    engine.clock.advance(100 * 24 * 3600)
    assert engine.fire_due() == 8  # good: 3 renewals + 3 captures; bad: 1 renewal + 1 capture
    bad = _get(engine, "subscription", "bad")
    assert bad.data["periods"] == 1 and len(_children(engine, "bad")) == 1
    assert _get(engine, "subscription", "good").data["periods"] == 3
    [dead] = engine.store.dead_timers()
    assert (dead.timer.resource_id, dead.timer.action, dead.timer.due_at) == (
        "bad",
        "renew",
        START + 60 * DAY,
    )
    assert dead.error == "RuntimeError: card network down in period 2"
    assert engine.store.timers_for("p", "bad") == []
    engine.store.close()
    restarted = _engine(SQLiteStore(db))  # the poisoned timer does not come back
    restarted.clock.advance(400 * 24 * 3600)
    assert restarted.fire_due() == 0
    assert len(restarted.store.dead_timers()) == 1


# -- record kinds ---------------------------------------------------------------------------


def test_a_record_kind_is_stored_through_the_engine_and_never_transitions():
    engine = _engine()
    record = engine.create("p", "t", "statement", "st_1", {"total": 1200}, parent="acc")
    assert record.state == "available"
    assert _get(engine, "statement", "st_1").data == {"total": 1200}
    assert _events(engine, "st_1") == [("StatementAvailable", START)]
    assert engine.store.timers_for("p", "st_1") == []
    assert engine.store.query("p", "t", "statement", where={"parent": "acc"}).total == 1
    with pytest.raises(IllegalTransition):
        engine.apply("p", "t", "statement", "st_1", "capture")
    with pytest.raises(ValueError, match="no state 'paid'"):
        engine.create("p", "t", "statement", "st_2", {}, state="paid")


def test_a_record_kind_defaults_to_the_recorded_state():
    machine = machine_from_dict("report", {"record": True})
    assert (machine.initial, machine.record, dict(machine.transitions)) == (
        "recorded",
        True,
        {},
    )


def test_creating_an_undeclared_kind_says_how_to_declare_it():
    with pytest.raises(UnknownKind, match="record: true"):
        _engine().create("p", "t", "mystery", "m1", {})


# -- conditional targets ---------------------------------------------------------------------

LOAN = yaml.safe_load("""
initial: open
terminal: [written_off]
transitions:
  miss:
    from: [open]
    to:
      - {when: {missed: {gte: 2}}, to: written_off, event: WrittenOff}
      - {to: open}
    event: Missed
    effect: count_miss
""")


def test_a_conditional_target_emits_its_own_event():
    store = SQLiteStore()
    engine = Engine(
        store,
        Clock(start_ms=START, frozen=True),
        IdGenerator(1, store.next_number),
        {"p": {"loan": machine_from_dict("loan", LOAN)}},
        {"p": {"count_miss": lambda record, ctx: {"missed": record.data["missed"] + 1}}},
    )
    engine.create("p", "t", "loan", "l1", {"missed": 0})
    assert engine.apply("p", "t", "loan", "l1", "miss").state == "open"
    assert engine.apply("p", "t", "loan", "l1", "miss").state == "written_off"
    assert [name for name, _ in _events(engine, "l1")] == ["Missed", "WrittenOff"]


# -- validation -----------------------------------------------------------------------------

BASE = {"initial": "a", "terminal": ["z"], "transitions": {"go": {"from": ["a"], "to": "z"}}}


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"on_entry": {}}, "unknown key(s) on_entry"),
        ({"on_enter": {"b": [{"after": "1s", "do": "go"}]}}, "unknown state 'b'"),
        ({"on_enter": {"z": [{"after": "1s", "do": "go"}]}}, "a final state fires nothing"),
        ({"on_enter": {"a": [{"after": "1s", "do": "stop"}]}}, "'stop' is not a transition"),
        ({"timers": {"always": [{"after": "1s", "do": "stop"}]}}, "unknown transition 'stop'"),
        ({"timers": {"always": [{"after": "1s", "do": "go", "times": 2}]}}, "repeating"),
        ({"timers": {"always": [{"every": "0s", "do": "go"}]}}, "longer than zero"),
        ({"timers": {"always": [{"every": "1d", "do": "go", "times": 0}]}}, "at least 1"),
        ({"timers": {"always": [{"after": "1s", "at": "x", "do": "go"}]}}, "not both"),
        ({"timers": {"always": [{"do": "go"}]}}, "say when"),
        ({"timers": {"always": [{"after": "1s", "do": "go", "if": {}}]}}, "unknown key(s) if"),
        ({"timers": {"always": [{"every": "1s", "do": "go", "until": {"n": {"gtt": 1}}}]}}, "gtt"),
        ({"record": True}, "a record kind has no"),
        (
            {"transitions": {"go": {"from": ["a"], "to": [{"to": "z", "event": "Gone"}]}}},
            "the default `to` entry emits the transition's `event`",
        ),
    ],
)
def test_bad_definitions_are_refused_with_the_reason(changes, message):
    with pytest.raises(ValueError) as raised:
        machine_from_dict("thing", {**BASE, **changes})
    assert message in str(raised.value)


def test_a_bad_lifecycle_file_names_the_file(tmp_path):
    path = tmp_path / "lifecycle.yaml"
    path.write_text("thing:\n  initial: a\n  on_enter: {b: [{after: 1s, do: go}]}\n")
    with pytest.raises(ValueError, match="lifecycle.yaml: thing: on_enter names unknown state"):
        load_machines(path)
