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
