"""The lifecycle engine: machines as data, illegal transitions refused, timers in order,
and exactly one winner among concurrent transitions (threads and processes)."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from sandbox.clock import Clock
from sandbox.ids import IdGenerator
from sandbox.lifecycle import Engine, IllegalTransition, NotFound, machine_from_dict, parse_duration
from sandbox.store import SQLiteStore

MACHINE = yaml.safe_load("""
initial: pending
terminal: [done, failed, expired]
created_event: Created
transitions:
  start:  {from: [pending], to: running, event: Started}
  finish: {from: [pending, running], to: done, event: Finished, effect: stamp}
  fail:   {from: [pending, running], to: failed, event: Failed}
  expire: {from: [pending], to: expired, event: Expired}
outcomes:
  - {when: {payer: good}, outcome: success}
  - {when: {amount: {gt: 1000}}, outcome: failure}
  - {outcome: idle}
timers:
  success: [{after: 10s, do: start}, {after: 30s, do: finish}]
  failure: [{after: 5s, do: fail}]
  always: [{at: expires_at, do: expire}]
""")


def _engine(store=None, start=1_000_000):
    store = store or SQLiteStore()
    clock = Clock(start_ms=start, frozen=True)
    ids = IdGenerator(1, store.next_number)
    effects = {"p": {"stamp": lambda record, ctx: {"done_at": ctx.at}}}
    return Engine(store, clock, ids, {"p": {"thing": machine_from_dict("thing", MACHINE)}}, effects)


def _create(engine, id="t1", **data):
    now = engine.clock.now_ms()
    return engine.create("p", "tenant", "thing", id, {"expires_at": now + 60_000, **data})


def test_durations():
    assert parse_duration("500ms") == 500
    assert parse_duration("30s") == 30_000
    assert parse_duration("1.5h") == 5_400_000
    assert parse_duration(2) == 2000
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_outcome_rules_pick_the_first_match():
    engine = _engine()
    assert _create(engine, "a", payer="good").data["_outcome"] == "success"
    assert _create(engine, "b", amount=5000).data["_outcome"] == "failure"
    assert _create(engine, "c", amount=5).data["_outcome"] == "idle"


def test_timers_fire_in_order_stamped_with_their_due_time():
    engine = _engine()
    _create(engine, payer="good")
    engine.clock.advance(3600)
    assert engine.fire_due() == 2  # start, finish; expire is no longer legal and is dropped
    record = engine.store.get("p", "tenant", "thing", "t1")
    assert record.state == "done"
    assert record.data["done_at"] == 1_000_000 + 30_000
    names = [e.name for e in engine.store.events(resource_id="t1")]
    assert names == ["Created", "Started", "Finished"]
    assert engine.store.next_due() is None


def test_nothing_fires_before_it_is_due():
    engine = _engine()
    _create(engine, payer="good")
    engine.clock.advance(9.999)
    assert engine.fire_due() == 0
    engine.clock.advance(0.001)
    assert engine.fire_due() == 1
    assert engine.store.get("p", "tenant", "thing", "t1").state == "running"


def test_illegal_transitions_are_refused_and_list_what_is_allowed():
    engine = _engine()
    _create(engine)
    engine.apply("p", "tenant", "thing", "t1", "finish")
    with pytest.raises(IllegalTransition) as raised:
        engine.apply("p", "tenant", "thing", "t1", "start")
    assert raised.value.allowed == []
    assert "final" in str(raised.value)
    with pytest.raises(IllegalTransition) as raised:
        engine.apply("p", "tenant", "thing", "t1", "no_such_event")
    assert engine.store.get("p", "tenant", "thing", "t1").state == "done"


def test_unknown_resources_are_not_found():
    with pytest.raises(NotFound):
        _engine().apply("p", "tenant", "thing", "missing", "finish")


def test_overrides_govern_new_resources_only():
    engine = _engine()
    _create(engine, "old", payer="good")
    faster = dict(MACHINE, timers={"success": [{"after": "1s", "do": "finish"}]})
    engine.override("p", machine_from_dict("thing", faster))
    _create(engine, "new", payer="good")
    engine.clock.advance(2)
    engine.fire_due()
    assert engine.store.get("p", "tenant", "thing", "new").state == "done"
    engine.clear_overrides()
    assert engine.machine("p", "thing").timers["success"][0].after_ms == 10_000


def test_fifty_concurrent_threads_exactly_one_wins():
    engine = _engine()
    _create(engine)
    barrier = threading.Barrier(50)

    def attempt(_):
        barrier.wait()
        try:
            engine.apply("p", "tenant", "thing", "t1", "finish")
            return True
        except IllegalTransition:
            return False

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(attempt, range(50)))
    assert results.count(True) == 1
    assert [e.name for e in engine.store.events(resource_id="t1")].count("Finished") == 1


def _race(db: str, start: multiprocessing.Event, results) -> None:  # in a child process
    engine = _engine(SQLiteStore(db))
    start.wait()
    wins = 0
    for action in ("finish", "fail"):
        try:
            engine.apply("p", "tenant", "thing", "t1", action)
            wins += 1
        except IllegalTransition:
            pass
    results.put(wins)


def test_concurrent_processes_on_one_database_exactly_one_wins(tmp_path):
    db = str(tmp_path / "race.db")
    _create(_engine(SQLiteStore(db)))
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=_race, args=(db, start, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(60)
    assert sum(results.get(timeout=5) for _ in workers) == 1
    assert SQLiteStore(db).get("p", "tenant", "thing", "t1").state in ("done", "failed")


def test_a_state_nothing_leaves_drops_the_resources_timers():
    engine = _engine()
    _create(engine, "t1", payer="good")  # start at 10 s, finish at 30 s, expire at 60 s
    _create(engine, "t2", payer="good")
    assert len(engine.store.timers_for("p", "t1")) == 3
    engine.apply("p", "tenant", "thing", "t1", "start")  # running: finish may still come
    assert [t.action for t in engine.store.timers_for("p", "t1")] == ["start", "finish", "expire"]
    engine.apply("p", "tenant", "thing", "t1", "finish")  # done: nothing leaves it
    assert engine.store.timers_for("p", "t1") == []
    assert len(engine.store.timers_for("p", "t2")) == 3  # another resource keeps its own


def test_a_fingerprint_is_the_digest_earlier_versions_stored():
    # Stored fingerprints (in database files) are compared with new ones: the canonical
    # text must stay what json.dumps wrote, non-ASCII escapes and str() of Decimals included.
    import hashlib
    import json
    from decimal import Decimal

    from sandbox.lifecycle import fingerprint

    details = {"b": [1, 2.5], "a": "Café", "c": {"z": None, "y": Decimal("10.50")}}
    before = json.dumps(details, sort_keys=True, separators=(",", ":"), default=str)
    assert fingerprint(details) == hashlib.sha256(before.encode()).hexdigest()
