"""The SQLite store: scoping, references, compare-and-set, queries, durability."""

from __future__ import annotations

import sqlite3

import pytest

from sandbox.store import (
    COMMIT_EVERY,
    BadCursor,
    Delivery,
    DeliveryAttempt,
    DuplicateRef,
    Event,
    JournalEntry,
    Record,
    SQLiteStore,
    Timer,
)


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
    assert store.query("p", "t1", "thing", where={"state": "failed"}, limit=100).total == 10
    assert store.query("p", "t1", "thing", where={"parent": "a"}, limit=100).total == 10
    window = store.query(
        "p", "t1", "thing", where={"created_at": {"gte": 1005, "lt": 1010}}, limit=100
    )
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


def test_an_entry_pushed_out_before_a_read_is_never_rendered():
    # The journal renders (decodes, masks) an entry only when it is written; in memory that
    # waits for a read, so a busy run renders the newest `keep` and not the rest.
    store = SQLiteStore()
    rendered: list[int] = []

    def entry(i: int) -> JournalEntry:
        rendered.append(i)
        return JournalEntry(i, "zwitch", "GET", f"/zwitch/{i}", "", 200, 0.1)

    for i in range(1000):
        store.journal_append(lambda i=i: entry(i), keep=100)
        assert len(store._journal_buffer) < 100 + 64  # memory bounded by the journal's size
    assert rendered == []
    entries = store.journal(limit=1000)
    assert [e.path for e in entries] == [f"/zwitch/{i}" for i in range(999, 899, -1)]
    assert sorted(rendered) == list(range(900, 1000))


def test_a_file_store_writes_its_journal_for_other_readers(tmp_path):
    # Another worker reads the file: entries reach it in batches and on every tick.
    db = tmp_path / "state.db"
    writer, reader = SQLiteStore(db, shared=True), SQLiteStore(db, shared=True)
    for i in range(70):
        writer.journal_append(
            lambda i=i: JournalEntry(i, "zwitch", "GET", f"/zwitch/{i}", "", 200, 0.1), keep=100
        )
    assert len(reader.journal(limit=1000)) == 64
    writer.write_journal_to_file()
    assert reader.journal(limit=1)[0].path == "/zwitch/69"


def test_a_number_handed_out_in_an_undone_transaction_is_handed_out_again():
    store = SQLiteStore()
    assert store.next_number("n") == 1
    with pytest.raises(RuntimeError), store.transaction():
        assert store.next_number("n") == 2
        raise RuntimeError
    with store.transaction():
        with pytest.raises(RuntimeError), store.transaction():  # a savepoint, undone alone
            assert store.next_number("n") == 2
            raise RuntimeError
        assert store.next_number("n") == 2
    assert store.next_number("n") == 3
    store.wipe()
    assert store.next_number("n") == 1


def test_workers_sharing_a_file_never_hand_out_the_same_number(tmp_path):
    first, second = (SQLiteStore(tmp_path / "state.db", shared=True) for _ in range(2))
    numbers = [store.next_number("n") for _ in range(3) for store in (first, second)]
    assert numbers == [1, 2, 3, 4, 5, 6]


def test_a_file_store_survives_reopening(tmp_path):
    db = tmp_path / "state.db"
    store = SQLiteStore(db)
    store.insert(_record())
    store.set_meta("clock", {"x": 1})
    store.close()
    reopened = SQLiteStore(db)
    assert reopened.get("p", "t1", "thing", "r1") is not None
    assert reopened.get_meta("clock") == {"x": 1}


def test_a_file_written_with_the_earlier_resources_table_still_works(tmp_path):
    # Files written before resources became a rowid table keep their WITHOUT ROWID table.
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as old:
        old.execute(
            "CREATE TABLE resources (provider TEXT NOT NULL, tenant TEXT NOT NULL, "
            "kind TEXT NOT NULL, id TEXT NOT NULL, state TEXT NOT NULL, "
            "version INTEGER NOT NULL, created_at INTEGER NOT NULL, ref TEXT, parent TEXT, "
            "data TEXT NOT NULL, PRIMARY KEY (provider, tenant, kind, id)) WITHOUT ROWID"
        )
    store = SQLiteStore(db)
    store.insert(_record("a", ref="x"))
    store.insert(_record("b", created_at=2000))
    with pytest.raises(DuplicateRef):
        store.insert(_record("c", ref="x"))
    assert store.get("p", "t1", "thing", "a").ref == "x"
    assert [r.id for r in store.query("p", "t1", "thing").records] == ["b", "a"]
    (layout,) = store._conn.execute(
        "SELECT sql FROM sqlite_master WHERE name='resources'"
    ).fetchone()
    assert layout.endswith("WITHOUT ROWID")


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
        where = {"state": state, "parent": parent}
        tallied = store.query("p", "t1", "thing", where=where, limit=1).total
        counted = len(
            store.query(
                "p", "t1", "thing", where={**where, "created_at": {"gte": 0}}, limit=1000
            ).records
        )
        assert tallied == counted, (state, parent)
    for states in (["completed", "refunded"], ["refunded", "refunded"], ["pending"], []):
        tallied = store.query("p", "t1", "thing", where={"state": {"in": states}}).total
        counted = [r.id for r in store.query("p", "t1", "thing", limit=1000).records]
        assert tallied == len(
            [i for i in counted if store.get("p", "t1", "thing", i).state in states]
        ), states
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


# -- queries on data fields -------------------------------------------------------------


def _payment(id, at, *, tenant="t1", state="captured", **data):
    return Record("p", tenant, "payment", id, state, data, at)


def _payments() -> SQLiteStore:
    """12 payments of t1 (and one of t2 that every query must leave out)."""
    store = SQLiteStore()
    methods = ("upi", "card", "net_banking")
    states = ("captured", "failed", "refunded", "captured")
    store.insert_many(
        [
            _payment(
                f"pay{i:02d}",
                1000 + i,
                state=states[i % 4],
                method=methods[i % 3],
                date=5000 - 10 * i,  # newest created has the earliest business date
                amount=100 * i,
                payment_method={"type": methods[i % 3]},
                **({"captured_at": 9000 + i} if i % 4 in (0, 3) else {}),
            )
            for i in range(12)
        ]
    )
    store.insert(_payment("foreign", 2000, tenant="t2", method="upi", date=5000, amount=1))
    return store


def _ids(page) -> list[str]:
    return [r.id for r in page.records]


def test_query_filters_on_sets_of_states_and_of_data_values():
    store = _payments()
    page = store.query(
        "p",
        "t1",
        "payment",
        where={"state": {"in": ["failed", "refunded"]}, "data.method": {"in": ("upi", "card")}},
    )
    # failed: 1, 5, 9; refunded: 2, 6, 10; upi: i%3==0, card: i%3==1
    assert _ids(page) == ["pay10", "pay09", "pay06", "pay01"]
    assert page.total == 4 and not page.has_more and page.next_cursor is None
    assert _ids(store.query("p", "t1", "payment", where={"data.method": "net_banking"})) == [
        "pay11",
        "pay08",
        "pay05",
        "pay02",
    ]
    nested = store.query("p", "t1", "payment", where={"data.payment_method.type": "card"})
    assert _ids(nested) == ["pay10", "pay07", "pay04", "pay01"]
    assert store.query("p", "t1", "payment", where={"state": {"in": []}}).total == 0
    assert store.query("p", "t1", "payment", where={"data.method": {"ne": "upi"}}).total == 8


def test_query_ranges_on_any_timestamp_and_presence():
    store = _payments()
    window = store.query("p", "t1", "payment", where={"data.date": {"gte": 4920, "lt": 4960}})
    assert _ids(window) == ["pay08", "pay07", "pay06", "pay05"] and window.total == 4
    closed = store.query("p", "t1", "payment", where={"data.date": {"gt": 4920, "lte": 4960}})
    assert _ids(closed) == ["pay07", "pay06", "pay05", "pay04"]
    captured = store.query("p", "t1", "payment", where={"data.captured_at": {"exists": True}})
    assert _ids(captured) == ["pay11", "pay08", "pay07", "pay04", "pay03", "pay00"]
    never = store.query("p", "t1", "payment", where={"data.captured_at": {"exists": False}})
    assert captured.total + never.total == 12
    # None filters nothing: optional request parameters pass straight through.
    everything = store.query(
        "p", "t1", "payment", where={"state": None, "data.date": {"gte": None, "lt": None}}
    )
    assert everything.total == 12


def test_query_is_scoped_to_the_tenant():
    store = _payments()
    for where in ({}, {"data.method": "upi"}, {"data.date": {"gte": 0}}, {"state": "captured"}):
        assert "foreign" not in _ids(store.query("p", "t1", "payment", where=where, limit=100))
    other = store.query("p", "t2", "payment", where={"data.method": "upi"})
    assert _ids(other) == ["foreign"] and other.total == 1
    assert store.query("p", "t3", "payment", where={"data.method": "upi"}).total == 0


def test_query_orders_by_data_fields_and_columns():
    store = _payments()
    by_date = store.query("p", "t1", "payment", order="data.date", limit=3)
    assert _ids(by_date) == ["pay11", "pay10", "pay09"]
    by_amount = store.query("p", "t1", "payment", order="-data.amount", limit=2)
    assert _ids(by_amount) == ["pay11", "pay10"]
    assert _ids(store.query("p", "t1", "payment", order="created_at", limit=2)) == [
        "pay00",
        "pay01",
    ]
    assert _ids(store.query("p", "t1", "payment", order="-id", limit=1)) == ["pay11"]


@pytest.mark.parametrize(
    "order", ["-created_at", "created_at", "-data.captured_at", "data.captured_at", "state", "id"]
)
def test_cursor_pages_cover_every_record_once(order):
    store = _payments()
    everything = _ids(store.query("p", "t1", "payment", order=order, limit=100))
    seen, cursor = [], None
    for _ in range(10):
        page = store.query("p", "t1", "payment", order=order, limit=5, after=cursor)
        assert page.total == 12
        seen += _ids(page)
        if not page.has_more:
            assert page.next_cursor is None
            break
        cursor = page.next_cursor
    assert seen == everything and len(set(seen)) == 12


def test_a_cursor_skips_nothing_when_records_are_added_meanwhile():
    store = _payments()
    first = store.query("p", "t1", "payment", limit=5)
    store.insert(_payment("newer", 5000, method="upi", date=1))
    rest = store.query("p", "t1", "payment", limit=100, after=first.next_cursor)
    assert _ids(first) + _ids(rest) == [f"pay{i:02d}" for i in range(11, -1, -1)]


def test_offset_paging_tells_whether_more_follow_and_counting_can_be_skipped():
    store = _payments()
    second = store.query("p", "t1", "payment", where={"data.method": "upi"}, limit=2, offset=2)
    assert _ids(second) == ["pay03", "pay00"] and not second.has_more
    first = store.query("p", "t1", "payment", where={"data.method": "upi"}, limit=2, count=False)
    assert _ids(first) == ["pay09", "pay06"] and first.has_more and first.total is None


@pytest.mark.parametrize("cursor", ["garbage!", "W10", "WyJ4Il0"])
def test_a_foreign_or_damaged_cursor_is_refused(cursor):
    store = _payments()
    with pytest.raises(BadCursor):
        store.query("p", "t1", "payment", after=cursor)
    by_date = store.query("p", "t1", "payment", order="data.date", limit=1).next_cursor
    with pytest.raises(BadCursor):
        store.query("p", "t1", "payment", after=by_date)  # made for another order


@pytest.mark.parametrize(
    "where, order",
    [
        ({"amount": 1}, "-created_at"),  # not a column: data fields need `data.`
        ({"data.a;drop": 1}, "-created_at"),
        ({"data.method": {"like": "u%"}}, "-created_at"),
        ({"data.method": {"in": "upi"}}, "-created_at"),
        ({"data.method": {"eq": ["upi"]}}, "-created_at"),
        ({}, "-data"),
    ],
)
def test_malformed_queries_are_programming_errors(where, order):
    with pytest.raises(ValueError):
        SQLiteStore().query("p", "t1", "payment", where=where, order=order)


def test_declared_data_fields_are_indexed():
    store = _payments()
    scan = store.explain("p", "t1", "payment", where={"data.method": "upi"})
    assert not any("payment__method" in step for step in scan)
    store.index("p", "payment", ("method", "date", "payment_method.type"))
    assert any(
        "USING INDEX resources_p__payment__method" in step
        for step in store.explain("p", "t1", "payment", where={"data.method": "upi"})
    )
    by_date = store.explain(
        "p", "t1", "payment", where={"data.date": {"gte": 4920}}, order="-data.date"
    )
    assert any("USING INDEX resources_p__payment__date" in step for step in by_date)
    assert not any("TEMP B-TREE" in step for step in by_date)  # read in order, not sorted
    nested = store.explain("p", "t1", "payment", where={"data.payment_method.type": "upi"})
    assert any("resources_p__payment__payment_method_type" in step for step in nested)
    # An index of one kind is not used (nor maintained) for another.
    assert not any(
        "payment__method" in step
        for step in store.explain("p", "t1", "refund", where={"data.method": "upi"})
    )
    assert _ids(store.query("p", "t1", "payment", where={"data.method": "upi"})) == [
        "pay09",
        "pay06",
        "pay03",
        "pay00",
    ]


def test_listed_records_follow_every_change():
    store = _payments()
    listed, _second = store.query("p", "t1", "payment", limit=2).records
    store.compare_and_set(listed, "refunded", {**listed.data, "method": "cash"})
    again = store.query("p", "t1", "payment", limit=1).records[0]
    assert (again.state, again.data["method"], again.version) == ("refunded", "cash", 2)
    store.wipe()  # ids and version numbers start again: same id, same version, other data
    store.insert(_payment("pay10", 1010, method="cheque"))
    relisted = store.query("p", "t1", "payment").records
    assert [(r.id, r.version, r.data["method"]) for r in relisted] == [("pay10", 1, "cheque")]


def test_a_providers_declared_indexes_are_created_by_the_runtime(monkeypatch):
    import dataclasses

    from sandbox import runtime as runtime_module
    from sandbox.providers import load_providers
    from sandbox.runtime import Runtime

    zwitch = load_providers(["zwitch"])["zwitch"]
    indexed = dataclasses.replace(zwitch, indexes={"upi_collect": ("remitter_vpa_handle",)})
    monkeypatch.setattr(runtime_module, "load_providers", lambda _names: {"zwitch": indexed})
    rt = Runtime()
    plan = rt.store.explain(
        "zwitch", "acc_1234567890", "upi_collect", where={"data.remitter_vpa_handle": "x@upi"}
    )
    assert any("resources_zwitch__upi_collect__remitter_vpa_handle" in step for step in plan)
    rt.close()


def test_processes_sharing_a_file_list_each_others_changes(tmp_path):
    first = SQLiteStore(tmp_path / "shared.db", shared=True)
    second = SQLiteStore(tmp_path / "shared.db", shared=True)
    first.insert(_payment("pay01", 1001, method="upi"))
    listed = second.query("p", "t1", "payment", where={"data.method": "upi"}).records[0]
    first.wipe()  # another worker resets: the same id and version come back with other data
    first.insert(_payment("pay01", 1001, method="upi", amount=7))
    again = second.query("p", "t1", "payment", where={"data.method": "upi"}).records[0]
    assert (listed.version, again.version) == (1, 1)
    assert "amount" not in listed.data and again.data["amount"] == 7
    first.close()
    second.close()


def test_find_sees_tenants_and_kinds_that_come_after_a_first_lookup():
    store = SQLiteStore()
    store.insert(_record("r1", tenant="t1"))
    assert store.find("p", "r1").tenant == "t1"
    assert store.find("p", "missing") is None
    store.insert(_record("r2", tenant="t2"))  # a tenant the first lookups did not know
    store.insert(Record("p", "t1", "refund", "r3", "done", {}, 1000))  # and a new kind
    assert store.find("p", "r2").tenant == "t2"
    assert store.find("p", "r3").kind == "refund"
    assert store.find("p", "r1").id == "r1"
    assert store.find("other", "r1") is None


def test_find_reads_what_another_connection_wrote(tmp_path):
    first, second = (
        SQLiteStore(tmp_path / "s.db", shared=True),
        SQLiteStore(tmp_path / "s.db", shared=True),
    )
    first.insert(_record("r1", tenant="t1"))
    assert second.find("p", "r1") is not None
    first.insert(_record("r2", tenant="t9"))
    assert second.find("p", "r2").tenant == "t9"


def test_a_listed_record_is_rendered_once_per_version():
    store = _payments()
    made: list[str] = []

    def view(record):
        made.append(record.state)
        return {"state": record.state}

    first = store.query("p", "t1", "payment", limit=1).records[0]
    assert first.rendered("view", lambda: view(first)) == {"state": first.state}
    again = store.query("p", "t1", "payment", limit=1).records[0]
    assert again.rendered("view", lambda: view(again)) == {"state": first.state}
    assert len(made) == 1  # the same committed version: rendered once
    store.compare_and_set(again, "refunded", again.data)
    changed = store.query("p", "t1", "payment", limit=1).records[0]
    assert changed.rendered("view", lambda: view(changed)) == {"state": "refunded"}
    assert changed.rendered("other", lambda: "another key") == "another key"
    assert changed.evolve(state="void").rendered("view", lambda: "a copy starts empty") == (
        "a copy starts empty"
    )


def test_find_by_id_alone_or_within_one_kind_across_tenants():
    store = SQLiteStore()
    store.insert(Record("p", "t1", "order", "same", "created", {}, 1))
    store.insert(Record("p", "t2", "payment", "same", "pending", {}, 2))
    assert store.find("p", "same", "payment").tenant == "t2"
    assert store.find("p", "same", "order").tenant == "t1"
    assert store.find("p", "same", "payout") is None
    assert store.find("p", "same").kind in ("order", "payment")


@pytest.mark.parametrize("kind", ["it's", "x' OR kind<>'"])
def test_a_kind_with_quotes_is_a_value_in_every_statement_not_sql(kind):
    # Provider and kind are written into the statements as literals (see store._scope):
    # a quote in them stays part of the name and never widens what a statement reads.
    store = SQLiteStore()
    store.insert(Record("p", "t1", "thing", "r1", "pending", {"n": 0}, 1, ref="ref-1"))
    store.insert(Record("p", "t1", kind, "r1", "pending", {"n": 1}, 2, ref="ref-1"))
    assert store.get("p", "t1", kind, "r1").data == {"n": 1}
    assert store.get("p", "t1", kind, "r2") is None
    assert store.get_by_ref("p", "t1", kind, "ref-1").kind == kind
    assert store.find("p", "r1", kind).kind == kind
    assert [r.kind for r in store.find_all("p", "r1", kind=kind)] == [kind]
    assert store.get("p", "t1", "thing", "r1").data == {"n": 0}
    changed = store.compare_and_set(store.get("p", "t1", kind, "r1"), "completed", {"n": 2})
    assert changed is not None and changed.state == "completed"
    assert store.get("p", "t1", "thing", "r1").state == "pending"
    page = store.query("p", "t1", kind)
    assert [(r.kind, r.data) for r in page.records] == [(kind, {"n": 2})]


def test_an_in_memory_store_commits_its_blocks_together_and_undoes_a_failed_one():
    # An in-memory store keeps a transaction open (its commits scan the page cache, which
    # grows with the data): its blocks are savepoints, committed every COMMIT_EVERY.
    store = SQLiteStore()
    statements: list[str] = []
    store._conn.set_trace_callback(statements.append)
    for number in range(2 * COMMIT_EVERY + 5):
        store.insert(_record(f"r{number}"))
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.insert(_record("undone"))
            raise RuntimeError("boom")
    store._conn.set_trace_callback(None)
    assert statements.count("COMMIT") == 2
    assert store.get("p", "t1", "thing", "undone") is None
    assert store.query("p", "t1", "thing", limit=1).total == 2 * COMMIT_EVERY + 5
    assert SQLiteStore(None)._conn.in_transaction  # open from the start


def test_a_file_store_commits_every_block(tmp_path):
    store = SQLiteStore(tmp_path / "s.db")
    store.insert(_record())
    assert not store._conn.in_transaction
    assert SQLiteStore(tmp_path / "s.db").get("p", "t1", "thing", "r1") is not None


def test_a_delivery_attempted_since_it_was_read_is_not_claimed_again():
    # Two senders (workers sharing a database file; in one process, rounds take turns) read
    # the same due delivery; the first attempts it, which fails and waits 30 s. The
    # second's claim, made on what it read before, must not send it again at once.
    store = SQLiteStore()
    store.enqueue_delivery(Delivery("d1", "e1", "p", "t1", "r1", "ev", "http://x", "{}", {}, 0, 0))
    (first,) = store.due_deliveries(0, 0)
    (second,) = store.due_deliveries(0, 0)
    assert store.claim_delivery(first, 0, 1000, "tick")
    attempt = DeliveryAttempt("d1", 1, 0, None, "ConnectError", 1.0)
    store.finish_attempt(first, attempt, status="pending", next_attempt_at=30_000)
    assert not store.claim_delivery(second, 0, 1000, "deliver")
    assert store.delivery("d1").attempts == 1
    (due,) = store.due_deliveries(30_000, 0)
    assert store.claim_delivery(due, 0, 1000, "deliver")  # read again once due, it is sent
