"""The SQLite store: scoping, references, compare-and-set, queries, durability."""

from __future__ import annotations

import pytest

from sandbox.store import DuplicateRef, Event, JournalEntry, Record, SQLiteStore, Timer


def _record(id="r1", tenant="t1", state="pending", ref=None, created_at=1000, parent=None):
    return Record("p", tenant, "thing", id, state, {"n": 1}, created_at, ref=ref, parent=parent)


def test_records_are_scoped_by_tenant():
    store = SQLiteStore()
    store.insert(_record())
    assert store.get("p", "t1", "thing", "r1").data == {"n": 1}
    assert store.get("p", "t2", "thing", "r1") is None  # a foreign id reads as missing


def test_a_reference_is_unique_per_tenant():
    store = SQLiteStore()
    store.insert(_record("r1", ref="order-1"))
    with pytest.raises(DuplicateRef) as raised:
        store.insert(_record("r2", ref="order-1"))
    assert raised.value.existing.id == "r1"
    store.insert(_record("r3", tenant="t2", ref="order-1"))  # another tenant may reuse it
    assert store.get("p", "t1", "thing", "r2") is None


def test_compare_and_set_lets_only_the_current_version_win():
    store = SQLiteStore()
    store.insert(_record())
    original = store.get("p", "t1", "thing", "r1")
    won = store.compare_and_set(original, "completed", {"n": 2})
    assert won is not None and won.version == 2
    assert store.compare_and_set(original, "failed", {"n": 3}) is None
    assert store.get("p", "t1", "thing", "r1").state == "completed"


def test_a_failed_transaction_leaves_nothing_behind():
    store = SQLiteStore()
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.insert(_record())
            store.append_event(Event("Created", "p", "t1", "thing", "r1", 1, "pending", {}))
            raise RuntimeError("boom")
    assert store.get("p", "t1", "thing", "r1") is None
    assert store.events() == []


def test_query_filters_sorts_newest_first_and_counts():
    store = SQLiteStore()
    for i in range(30):
        store.insert(
            _record(
                f"r{i:02d}",
                state="completed" if i % 3 else "failed",
                created_at=1000 + i,
                parent="a" if i < 10 else "b",
            )
        )
    page = store.query("p", "t1", "thing", limit=5)
    assert page.total == 30 and [r.id for r in page.records] == ["r29", "r28", "r27", "r26", "r25"]
    assert store.query("p", "t1", "thing", state="failed", limit=100).total == 10
    assert store.query("p", "t1", "thing", parent="a", limit=100).total == 10
    window = store.query("p", "t1", "thing", created_from=1005, created_to=1010, limit=100)
    assert [r.created_at for r in window.records] == [1009, 1008, 1007, 1006, 1005]
    assert store.query("p", "t1", "thing", offset=10**30).records == []


def test_timers_come_due_in_order_and_are_claimed_once():
    store = SQLiteStore()
    store.schedule(Timer(300, "p", "t1", "thing", "r1", "late"))
    store.schedule(Timer(100, "p", "t1", "thing", "r1", "early"))
    store.schedule(Timer(100, "p", "t1", "thing", "r2", "tie"))
    assert store.next_due() == 100
    due = store.due_timers(200)
    assert [t.action for t in due] == ["early", "tie"]
    assert store.claim_timer(due[0]) and not store.claim_timer(due[0])


def test_journal_is_bounded_and_newest_first():
    store = SQLiteStore()
    for i in range(300):
        store.journal_append(
            JournalEntry(i, "zwitch", "GET", f"/zwitch/{i}", "", 200, 0.1), keep=100
        )
    entries = store.journal(limit=1000)
    assert entries[0].path == "/zwitch/299"
    assert len(entries) <= 100 + 64
    assert store.journal(path="/zwitch/29", limit=1000)[0].path == "/zwitch/299"


def test_a_file_store_survives_reopening(tmp_path):
    db = tmp_path / "state.db"
    store = SQLiteStore(db)
    store.insert(_record())
    store.set_meta("clock", {"x": 1})
    store.close()
    reopened = SQLiteStore(db)
    assert reopened.get("p", "t1", "thing", "r1") is not None
    assert reopened.get_meta("clock") == {"x": 1}


def test_totals_from_tallies_match_counting():
    store = SQLiteStore()
    records = [
        _record(f"b{i}", state="completed", parent="a" if i % 2 else "b", created_at=i)
        for i in range(40)
    ]
    store.insert_many(records)
    store.insert(_record("single", parent="a"))
    moved = store.get("p", "t1", "thing", "b1")
    store.compare_and_set(moved, "refunded", {})
    for state, parent in (
        (None, None),
        ("completed", None),
        ("refunded", None),
        ("pending", None),
        (None, "a"),
        (None, "b"),
        ("completed", "a"),
    ):
        tallied = store.query("p", "t1", "thing", state=state, parent=parent, limit=1).total
        counted = len(
            store.query(
                "p", "t1", "thing", state=state, parent=parent, created_from=0, limit=1000
            ).records
        )
        assert tallied == counted, (state, parent)
    store.wipe()
    assert store.query("p", "t1", "thing").total == 0


def test_a_nested_failure_the_caller_catches_undoes_only_the_nested_writes():
    store = SQLiteStore()
    with store.transaction():
        store.insert(_record("outer"))
        try:
            with store.transaction():
                store.insert(_record("inner"))
                store.schedule(Timer(5000, "p", "t1", "thing", "inner", "finish"))
                store.append_event(Event("Created", "p", "t1", "thing", "inner", 1, "pending", {}))
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        store.insert(_record("after"))
    assert store.get("p", "t1", "thing", "outer") is not None
    assert store.get("p", "t1", "thing", "after") is not None
    assert store.get("p", "t1", "thing", "inner") is None
    assert store.events() == []
    assert store.next_due() is None and store.due_timers(10_000) == []


def test_savepoints_nest_and_a_caught_duplicate_leaves_the_outer_transaction_usable():
    store = SQLiteStore()
    with store.transaction():
        store.insert(_record("r1", ref="order-1"))
        with store.transaction():
            store.insert(_record("r2"))
            try:
                with store.transaction():
                    store.insert(_record("r3"))
                    store.insert(_record("r4", ref="order-1"))  # DuplicateRef
            except DuplicateRef:
                pass
            store.insert(_record("r5"))
    kept = {r.id for r in store.query("p", "t1", "thing", limit=10).records}
    assert kept == {"r1", "r2", "r5"}


def test_a_nested_failure_nobody_catches_undoes_the_whole_transaction():
    store = SQLiteStore()
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.insert(_record("outer"))
            with store.transaction():
                store.insert(_record("inner"))
                raise RuntimeError("boom")
    assert store.query("p", "t1", "thing").total == 0
    store.insert(_record("later"))  # and the store is usable afterwards
    assert store.get("p", "t1", "thing", "later") is not None


def test_dead_timers_are_kept_out_of_the_schedule_and_can_be_revived(tmp_path):
    db = tmp_path / "timers.db"
    store = SQLiteStore(db)
    store.schedule(Timer(1000, "p", "t1", "thing", "r1", "finish", state="running"))
    [timer] = store.due_timers(5000)
    with store.transaction():
        assert store.claim_timer(timer)
        store.bury_timer(timer, 1500, "RuntimeError: boom")
    store.close()
    reopened = SQLiteStore(db)  # a restart does not bring it back into the schedule
    assert reopened.due_timers(10**12) == [] and reopened.next_due() is None
    [dead] = reopened.dead_timers()
    assert (dead.timer.action, dead.timer.state, dead.failed_at, dead.error) == (
        "finish",
        "running",
        1500,
        "RuntimeError: boom",
    )
    assert reopened.revive_timer(dead.timer.seq, 2000)
    assert not reopened.revive_timer(dead.timer.seq, 2000)
    assert [(t.due_at, t.action) for t in reopened.due_timers(2000)] == [(2000, "finish")]
    assert reopened.dead_timers() == []


def test_a_database_from_before_timer_states_gains_the_columns(tmp_path):
    import sqlite3

    db = tmp_path / "old.db"
    old = sqlite3.connect(db)
    old.execute(
        "CREATE TABLE timers (seq INTEGER PRIMARY KEY AUTOINCREMENT, due_at INTEGER NOT NULL, "
        "provider TEXT NOT NULL, tenant TEXT NOT NULL, kind TEXT NOT NULL, "
        "resource_id TEXT NOT NULL, action TEXT NOT NULL)"
    )
    old.execute("INSERT INTO timers VALUES (1, 10, 'p', 't1', 'thing', 'r1', 'finish')")
    old.commit()
    old.close()
    store = SQLiteStore(db)
    assert store.due_timers(10) == [Timer(10, "p", "t1", "thing", "r1", "finish", seq=1)]
