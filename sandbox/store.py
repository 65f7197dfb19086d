"""The state store: one small interface, with SQLite (stdlib) as the embedded backend.

Every resource row is scoped by (provider, tenant), so a foreign id is simply absent.
State changes are compare-and-set on a version number, which is what guarantees that two
concurrent captures (or completes) of one resource cannot both win.
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import threading
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence, TypeVar

from sandbox.wirejson import compact

EVENT_HISTORY = 20_000  # emitted events kept for inspection
# Offsets beyond this are treated as "past the end": SQLite integers are 64-bit.
MAX_OFFSET = 2**62
RECORD_CACHE = 8192  # decoded records kept by `query` (see SQLiteStore._cached_page)
COMMIT_EVERY = 128  # blocks an in-memory store commits at once (see SQLiteStore.__init__)
T = TypeVar("T")


@dataclass(frozen=True)
class Record:
    """One stored resource: a payment, a token, an order…"""

    provider: str
    tenant: str
    kind: str
    id: str
    state: str
    data: dict[str, Any]
    created_at: int  # sandbox epoch ms
    version: int = 1
    ref: str | None = None  # business key that must be unique per tenant (idempotency)
    parent: str | None = None  # grouping key used by list filters (an account, an order)
    # What renderers made of this very object (see `rendered`); a changed record is a new
    # object, so nothing here outlives the data it was made from.
    _rendered: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def evolve(self, **changes: Any) -> "Record":
        """A copy with some fields replaced."""
        return replace(self, **changes)

    def rendered(self, key: Any, render: Callable[[], T]) -> T:
        """`render()` made once per record object and `key`: the store hands the same
        committed version to every request that lists it (`SQLiteStore._cached_page`), so a
        list page renders each item once rather than on every request. `key` must name
        everything besides the record that the rendering reads (a renderer's name, a tenant
        that cannot change while serving); the result is shared and must not be mutated."""
        try:
            return self._rendered[key]
        except KeyError:
            value = self._rendered[key] = render()
            return value


@dataclass(frozen=True)
class Timer:
    """A transition scheduled for a resource at a sandbox instant. `state` is the state the
    timer was armed on entering (leaving it cancels the timer; None: armed at creation);
    `repeat` ({"every": ms, "left": n | None, "until": condition | None}) re-arms it."""

    due_at: int
    provider: str
    tenant: str
    kind: str
    resource_id: str
    action: str
    seq: int = 0
    state: str | None = None
    repeat: dict[str, Any] | None = None


@dataclass(frozen=True)
class DeadTimer:
    """A timer whose transition raised: kept out of the schedule with the error, so one
    broken effect cannot stop the sandbox (or fire again on every start)."""

    timer: Timer
    failed_at: int  # sandbox epoch ms
    error: str


@dataclass(frozen=True)
class Event:
    """A past-tense fact emitted by a transition (`PaymentCompleted`), written in the same
    transaction as the change; webhooks, the journal and scenario waits read these."""

    name: str
    provider: str
    tenant: str
    kind: str
    resource_id: str
    at: int
    state: str
    data: dict[str, Any]
    seq: int = 0


@dataclass(frozen=True)
class Page:
    """One page of a listing: its records, the number of rows matching the filters (None
    when the query asked not to count), whether more rows follow, and the cursor that
    continues after this page (None on the last page)."""

    records: list[Record]
    total: int | None
    has_more: bool = False
    # (order, sort key of the last record) when more follow: the cursor, not yet encoded
    resume: tuple[str, list[Any]] | None = field(default=None, repr=False)

    @property
    def next_cursor(self) -> str | None:
        """What to pass as `query(after=...)` for the next page; None on the last page."""
        return None if self.resume is None else _cursor(*self.resume)


class BadCursor(ValueError):
    """A `query(after=...)` cursor that this store did not hand out for that order."""


Where = Mapping[str, Any]
"""The filters of `Store.query`, every one of which must hold. A key names a column —
`state`, `parent`, `ref`, `id`, `created_at` — or a data field, `data.<name>[.<name>…]` (a
path into the record's JSON data). A value is a string or number (equal to it) or a dict
of tests: `in` (a collection), `ne`, `gt`, `gte`, `lt`, `lte`, and `exists` (True: present
and not null). A None value or operand filters nothing, so optional request parameters can
be passed straight through: `{"state": status, "created_at": {"gte": since, "lt": until}}`.
Data fields a provider lists in `Provider.indexes` are indexed; others are read from every
record of the tenant's kind."""


@dataclass(frozen=True)
class JournalEntry:
    """One request and its response, as recorded by the journal."""

    at: int
    provider: str
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str = ""
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    seq: int = 0


@dataclass(frozen=True)
class Delivery:
    """One webhook to deliver: a signed body for a URL, retried until it succeeds or the
    attempts run out. Duplicates of an event (scenario faults) share its `event_id`."""

    id: str
    event_id: str
    provider: str
    tenant: str
    resource_id: str
    event: str
    url: str
    body: str
    headers: dict[str, str]
    created_at: int
    next_attempt_at: int
    status: str = "pending"  # pending | sending | delivered | failed
    attempts: int = 0
    ordered: bool = True  # waits for earlier deliveries of the same resource
    last_status: int | None = None
    last_error: str | None = None
    delivered_at: int | None = None
    seq: int = 0


@dataclass(frozen=True)
class DeliveryAttempt:
    """One HTTP attempt of a delivery."""

    delivery_id: str
    number: int
    at: int
    status_code: int | None
    error: str | None
    duration_ms: float


class DuplicateRef(Exception):
    """Raised by `insert` when a record's `ref` is already taken for the tenant."""

    def __init__(self, existing: Record) -> None:
        super().__init__(f"{existing.kind} with reference {existing.ref!r} exists")
        self.existing = existing


class Store(Protocol):
    """What the rest of the sandbox may ask of a state store."""

    def transaction(self, savepoint: bool = True) -> Any: ...
    def insert(self, record: Record) -> None: ...
    def get(self, provider: str, tenant: str, kind: str, id: str) -> Record | None: ...
    def find(self, provider: str, id: str, kind: str | None = None) -> Record | None: ...
    def find_all(
        self, provider: str, id: str, *, tenant: str | None = None, kind: str | None = None
    ) -> list[Record]: ...
    def get_by_ref(self, provider: str, tenant: str, kind: str, ref: str) -> Record | None: ...
    def compare_and_set(
        self, record: Record, state: str, data: dict[str, Any]
    ) -> Record | None: ...
    def index(self, provider: str, kind: str, fields: tuple[str, ...]) -> None: ...
    def query(
        self,
        provider: str,
        tenant: str,
        kind: str,
        *,
        where: Where | None = None,
        order: str = "-created_at",
        limit: int = 20,
        offset: int = 0,
        after: str | None = None,
        count: bool = True,
    ) -> Page: ...
    def explain(
        self,
        provider: str,
        tenant: str,
        kind: str,
        *,
        where: Where | None = None,
        order: str = "-created_at",
    ) -> list[str]: ...
    def kinds(self, provider: str) -> dict[str, dict[str, int]]: ...
    def schedule(self, timer: Timer) -> None: ...
    def next_due(self) -> int | None: ...
    def due_timers(self, now: int, limit: int = 100) -> list[Timer]: ...
    def claim_timer(self, timer: Timer) -> bool: ...
    def timers_for(self, provider: str, resource_id: str) -> list[Timer]: ...
    def cancel_timers(
        self, provider: str, tenant: str, kind: str, resource_id: str, state: str | None
    ) -> None: ...
    def bury_timer(self, timer: Timer, failed_at: int, error: str) -> None: ...
    def scheduled_timers(
        self, *, provider: str | None = None, resource_id: str | None = None, limit: int = 100
    ) -> list[Timer]: ...
    def dead_timers(
        self, *, provider: str | None = None, resource_id: str | None = None, limit: int = 100
    ) -> list[DeadTimer]: ...
    def revive_timer(self, seq: int, due_at: int) -> bool: ...
    def append_event(self, event: Event) -> None: ...
    def events(
        self,
        *,
        provider: str | None = None,
        resource_id: str | None = None,
        after_seq: int = 0,
        limit: int = 100,
    ) -> list[Event]: ...
    def next_number(self, namespace: str) -> int: ...
    def get_meta(self, key: str) -> Any: ...
    def set_meta(self, key: str, value: Any) -> None: ...
    def journal_append(
        self, entry: JournalEntry | Callable[[], JournalEntry], keep: int
    ) -> None: ...
    def write_journal_to_file(self) -> None: ...
    def flush_journal(self) -> None: ...
    def journal(
        self,
        *,
        provider: str | None = None,
        path: str | None = None,
        status: int | None = None,
        method: str | None = None,
        limit: int = 100,
        after: int = 0,
    ) -> list[JournalEntry]: ...
    def journal_clear(self) -> None: ...
    def enqueue_delivery(self, delivery: Delivery) -> None: ...
    def due_deliveries(self, now: int, wall_now: int, limit: int = 50) -> list[Delivery]: ...
    def claim_delivery(
        self, delivery: Delivery, wall_now: int, lease_ms: int, owner: str | None = None
    ) -> bool: ...
    def lease_owners(self) -> list[str]: ...
    def release_leases(self, owner: str) -> int: ...
    def finish_attempt(
        self,
        delivery: Delivery,
        attempt: DeliveryAttempt,
        *,
        status: str,
        next_attempt_at: int | None,
    ) -> None: ...
    def deliveries(
        self,
        *,
        provider: str | None = None,
        resource_id: str | Sequence[str] | None = None,
        status: str | None = None,
        event: str | None = None,
        tenant: str | None = None,
        limit: int = 100,
        newest_first: bool = False,
    ) -> list[Delivery]: ...
    def delivery(self, delivery_id: str) -> Delivery | None: ...
    def attempts(self, delivery_id: str) -> list[DeliveryAttempt]: ...
    def redeliver(self, delivery_id: str, now: int) -> Delivery | None: ...
    def trim_deliveries(self, keep: int) -> int: ...
    def set_endpoint(
        self, provider: str, tenant: str, url: str | None, secret: str | None
    ) -> None: ...
    def endpoint(self, provider: str, tenant: str) -> tuple[str | None, str | None] | None: ...
    def endpoints(self) -> list[tuple[str, str, str | None, str | None]]: ...
    def delete_endpoint(self, provider: str, tenant: str) -> bool: ...
    def inbox_record(
        self,
        name: str,
        at: int,
        headers: dict[str, str],
        body: str,
        status: int,
        *,
        max_entries: int = 1000,
        max_bytes: int = 8 * 1024 * 1024,
    ) -> None: ...
    def inbox(self, name: str, limit: int = 100) -> list[dict[str, Any]]: ...
    def wipe(self) -> None: ...
    def close(self) -> None: ...


_SCHEMA = """
-- A rowid table: new rows append to its end, and only the narrow primary-key index takes
-- them at the (random) place of their id; keyed by the id itself (files written before
-- were WITHOUT ROWID, and keep working as they are), every create moved whole rows about
-- a tree that outgrows the CPU's caches.
CREATE TABLE IF NOT EXISTS resources (
    provider TEXT NOT NULL, tenant TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,
    state TEXT NOT NULL, version INTEGER NOT NULL, created_at INTEGER NOT NULL,
    ref TEXT, parent TEXT, data TEXT NOT NULL,
    PRIMARY KEY (provider, tenant, kind, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS resources_ref
    ON resources (provider, tenant, kind, ref) WHERE ref IS NOT NULL;
-- Listing indexes end in (created_at, id, version): a page reads its order and, with the
-- version, whether the decoded records cached by `query` are current, without visiting a
-- single row. (Files written before them carry the narrower indexes dropped here.)
DROP INDEX IF EXISTS resources_newest;
DROP INDEX IF EXISTS resources_by_state;
DROP INDEX IF EXISTS resources_by_parent;
CREATE INDEX IF NOT EXISTS resources_listing
    ON resources (provider, tenant, kind, created_at, id, version);
CREATE INDEX IF NOT EXISTS resources_listing_by_state
    ON resources (provider, tenant, kind, state, created_at, id, version);
CREATE INDEX IF NOT EXISTS resources_listing_by_parent
    ON resources (provider, tenant, kind, parent, created_at, id, version);
CREATE TABLE IF NOT EXISTS tallies (
    provider TEXT NOT NULL, tenant TEXT NOT NULL, kind TEXT NOT NULL,
    dimension TEXT NOT NULL, value TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (provider, tenant, kind, dimension, value)
) WITHOUT ROWID;
-- Counts by state and by parent, kept by SQLite itself as rows come and change state, so
-- a list's total does not cost a scan of a million rows.
CREATE TRIGGER IF NOT EXISTS tally_insert AFTER INSERT ON resources BEGIN
    INSERT INTO tallies VALUES (new.provider, new.tenant, new.kind, '', '', 1)
        ON CONFLICT(provider, tenant, kind, dimension, value) DO UPDATE SET count=count+1;
    INSERT INTO tallies VALUES (new.provider, new.tenant, new.kind, 'state', new.state, 1)
        ON CONFLICT(provider, tenant, kind, dimension, value) DO UPDATE SET count=count+1;
    INSERT INTO tallies SELECT new.provider, new.tenant, new.kind, 'parent', new.parent, 1
        WHERE new.parent IS NOT NULL
        ON CONFLICT(provider, tenant, kind, dimension, value) DO UPDATE SET count=count+1;
END;
CREATE TRIGGER IF NOT EXISTS tally_state AFTER UPDATE OF state ON resources
WHEN old.state != new.state BEGIN
    UPDATE tallies SET count=count-1 WHERE provider=old.provider AND tenant=old.tenant
        AND kind=old.kind AND dimension='state' AND value=old.state;
    INSERT INTO tallies VALUES (new.provider, new.tenant, new.kind, 'state', new.state, 1)
        ON CONFLICT(provider, tenant, kind, dimension, value) DO UPDATE SET count=count+1;
END;
CREATE TABLE IF NOT EXISTS timers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, due_at INTEGER NOT NULL,
    provider TEXT NOT NULL, tenant TEXT NOT NULL, kind TEXT NOT NULL,
    resource_id TEXT NOT NULL, action TEXT NOT NULL, state TEXT, repeat TEXT
);
CREATE INDEX IF NOT EXISTS timers_due ON timers (due_at, seq);
CREATE INDEX IF NOT EXISTS timers_resource ON timers (provider, resource_id);
CREATE TABLE IF NOT EXISTS dead_timers (
    seq INTEGER PRIMARY KEY, due_at INTEGER NOT NULL,
    provider TEXT NOT NULL, tenant TEXT NOT NULL, kind TEXT NOT NULL,
    resource_id TEXT NOT NULL, action TEXT NOT NULL, state TEXT, repeat TEXT,
    failed_at INTEGER NOT NULL, error TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, provider TEXT NOT NULL,
    tenant TEXT NOT NULL, kind TEXT NOT NULL, resource_id TEXT NOT NULL, at INTEGER NOT NULL,
    state TEXT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_resource ON events (provider, resource_id, seq);
CREATE TABLE IF NOT EXISTS counters (namespace TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, event_id TEXT NOT NULL,
    provider TEXT NOT NULL, tenant TEXT NOT NULL, resource_id TEXT NOT NULL,
    event TEXT NOT NULL, url TEXT NOT NULL, body TEXT NOT NULL, headers TEXT NOT NULL,
    created_at INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, status TEXT NOT NULL,
    attempts INTEGER NOT NULL, ordered INTEGER NOT NULL, last_status INTEGER,
    last_error TEXT, delivered_at INTEGER, lease_until INTEGER, lease_owner TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS deliveries_resource ON deliveries (provider, resource_id, seq);
CREATE TABLE IF NOT EXISTS delivery_attempts (
    delivery_id TEXT NOT NULL, number INTEGER NOT NULL, at INTEGER NOT NULL,
    status_code INTEGER, error TEXT, duration_ms REAL NOT NULL,
    PRIMARY KEY (delivery_id, number)
);
CREATE TABLE IF NOT EXISTS webhook_endpoints (
    provider TEXT NOT NULL, tenant TEXT NOT NULL, url TEXT, secret TEXT,
    PRIMARY KEY (provider, tenant)
);
CREATE TABLE IF NOT EXISTS inbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, at INTEGER NOT NULL,
    status INTEGER NOT NULL, headers TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inbox_by_name ON inbox (name, seq);
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, provider TEXT NOT NULL,
    method TEXT NOT NULL, path TEXT NOT NULL, query TEXT NOT NULL, status INTEGER NOT NULL,
    duration_ms REAL NOT NULL, request_headers TEXT NOT NULL, request_body TEXT NOT NULL,
    response_headers TEXT NOT NULL, response_body TEXT NOT NULL
);
"""

_RESOURCE_COLUMNS = "provider, tenant, kind, id, state, version, created_at, ref, parent, data"
_TIMER_COLUMNS = "due_at, provider, tenant, kind, resource_id, action, seq, state, repeat"
# Columns added to tables after their first release: a database file written by an older
# version gains them when it is opened.
_ADDED_COLUMNS = {"timers": ("state TEXT", "repeat TEXT"), "deliveries": ("lease_owner TEXT",)}
# Nested transactions are savepoints named by depth (prepared once: a create nests several).
_SAVEPOINT = [f"SAVEPOINT s{depth}" for depth in range(64)]
_RELEASE = [f"RELEASE s{depth}" for depth in range(64)]
_ROLLBACK_TO = [f"ROLLBACK TO s{depth}" for depth in range(64)]


_dumps = compact


_UNKNOWN: Any = object()


def _timer(row: tuple) -> Timer:
    *fields, state, repeat = row
    return Timer(*fields, state=state, repeat=None if repeat is None else json.loads(repeat))


def _record(row: tuple) -> Record:
    provider, tenant, kind, id_, state, version, created_at, ref, parent, data = row
    return Record(
        provider=provider,
        tenant=tenant,
        kind=kind,
        id=id_,
        state=state,
        version=version,
        created_at=created_at,
        ref=ref,
        parent=parent,
        data=json.loads(data),
    )


_COLUMNS = ("id", "state", "parent", "ref", "created_at")
_NOT_NULL = ("id", "state", "created_at")
_DATA_FIELD = re.compile(r"^data((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$")
_COMPARISONS = {"ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_TESTS = ("eq", "in", *_COMPARISONS, "exists")


def _expression(path: str) -> str:
    """The SQL of a queryable field (a column or `data.<path>`). Data fields are read with exactly the expression the
    indexes of `SQLiteStore.index` are built on, which is what lets SQLite use them."""
    if path in _COLUMNS:
        return path
    found = _DATA_FIELD.match(path)
    if found is None:
        raise ValueError(
            f"cannot query on {path!r}: use one of {', '.join(_COLUMNS)} or data.<field>"
        )
    return f"json_extract(data, '${found.group(1)}')"


@lru_cache(maxsize=256)
def _scope(provider: str, kind: str) -> str:
    # Literals, not parameters, in every statement on resources. SQLite uses a partial
    # index only when the query's WHERE visibly implies the index's; and when a bound
    # parameter takes part in that check, SQLite prepares the statement again on every
    # execution (3.5 → 13.7 µs for a lookup by id with two partial indexes on the table).
    def quoted(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    return f"provider={quoted(provider)} AND kind={quoted(kind)}"


@lru_cache(maxsize=1024)
def _select_by(provider: str, kind: str, column: str) -> str:
    """A tenant's record of one kind by a unique column (`id` or `ref`): two parameters,
    tenant and value."""
    return (
        f"SELECT {_RESOURCE_COLUMNS} FROM resources "
        f"WHERE {_scope(provider, kind)} AND tenant=? AND {column}=?"
    )


@lru_cache(maxsize=256)
def _compare_and_set(provider: str, kind: str) -> str:
    """The versioned update: state, data, tenant, id, expected version."""
    return (
        "UPDATE resources SET state=?, data=?, version=version+1 "
        f"WHERE {_scope(provider, kind)} AND tenant=? AND id=? AND version=?"
    )


def _operand(path: str, test: str, value: Any) -> Any:
    if not isinstance(value, (str, int, float)):
        raise ValueError(f"{path} {test}: {value!r} is not a string or a number")
    return value


def _tests(where: Where | None) -> list[tuple[str, str, Any]]:
    """(field, test, operand) of every filter that filters something."""
    found = []
    for path, test in (where or {}).items():
        # dict, not Mapping: an isinstance check against an ABC costs more than the rest.
        for name, operand in (test if isinstance(test, dict) else {"eq": test}).items():
            if name not in _TESTS:
                raise ValueError(f"unknown test {name!r} on {path} (use {', '.join(_TESTS)})")
            if operand is not None:
                found.append((path, name, operand))
    return found


def _conditions(tests: list[tuple[str, str, Any]]) -> tuple[list[str], list[Any]]:
    """SQL conditions and their parameters for `_tests(where)`."""
    shape: list[tuple[str, str, Any]] = []
    params: list[Any] = []
    for path, test, operand in tests:
        if test == "exists":
            shape.append((path, test, bool(operand)))
        elif test == "in":
            if isinstance(operand, (str, bytes, dict)):
                raise ValueError(f"{path} in: {operand!r} is not a collection of values")
            values = [_operand(path, test, value) for value in operand]
            shape.append((path, test, len(values)))
            params.extend(values)
        else:
            shape.append((path, test, None))
            params.append(_operand(path, test, operand))
    return list(_clauses(tuple(shape))), params


@lru_cache(maxsize=1024)
def _clauses(shape: tuple[tuple[str, str, Any], ...]) -> tuple[str, ...]:
    # Remembered by shape (fields, tests, number of values): a list endpoint asks the same
    # few shapes over and over, and building the SQL costs more than SQLite running it.
    clauses = []
    for path, test, detail in shape:
        expression = _expression(path)
        if test == "exists":
            clauses.append(f"{expression} IS {'NOT ' if detail else ''}NULL")
        elif test == "in":
            clauses.append(f"{expression} IN ({','.join('?' * detail)})" if detail else "0")
        else:
            clauses.append(f"{expression}{_COMPARISONS.get(test, '=')}?")
    return tuple(clauses)


@lru_cache(maxsize=256)
def _ordering(order: str) -> tuple[tuple[str, ...], bool]:
    """The sort key of `order` (`created_at`, `-data.date`): the field, then creation time
    and id, so that every record has exactly one place; and whether it is descending."""
    descending = order.startswith("-")
    path = order[1:] if descending else order
    key = [_expression(path)]
    for tiebreak in ("created_at", "id"):
        if "id" not in key and tiebreak not in key:
            key.append(tiebreak)
    return tuple(key), descending


def _after(key: tuple[str, ...], descending: bool, position: list[Any]) -> tuple[str, list[Any]]:
    """The condition for records that sort after `position` (the key values of the last
    record of the previous page). SQLite sorts NULL first, so a data field that some
    records lack needs spelling out; the rest is one row-value comparison."""
    sign = "<" if descending else ">"
    if key[0] in _NOT_NULL:
        columns = ", ".join(key)
        return f"({columns}) {sign} ({','.join('?' * len(key))})", list(position)
    first, rest, value = key[0], ", ".join(key[1:]), position[0]
    tail = f"({rest}) {sign} ({','.join('?' * (len(key) - 1))})"
    if value is None:
        if descending:
            return f"({first} IS NULL AND {tail})", position[1:]
        return f"({first} IS NOT NULL OR {tail})", position[1:]
    nulls = f" OR {first} IS NULL" if descending else ""
    return f"({first} {sign} ?{nulls} OR ({first} = ? AND {tail}))", [value, value, *position[1:]]


def _cursor(order: str, position: list[Any]) -> str:
    raw = json.dumps([order, position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _position(cursor: str, order: str, length: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, position = json.loads(raw)
    except (ValueError, TypeError):
        raise BadCursor(f"{cursor!r} is not a cursor this sandbox handed out") from None
    if (
        made_for != order
        or not isinstance(position, list)
        or len(position) != length
        or not all(v is None or isinstance(v, (str, int, float)) for v in position)
    ):
        raise BadCursor(f"{cursor!r} is not a cursor for the order {order!r}")
    return position


class _Transaction:
    """`with store.transaction():` — a class rather than a generator because a create
    enters several nested ones and generator-based context managers cost three times more.
    The outermost block is a transaction (in an in-memory store, a savepoint in the
    transaction it keeps open); a nested one is a savepoint, so an error that a caller
    catches undoes the nested block's writes and nothing else (a nested block of one
    statement needs none: SQLite undoes a failing statement whole)."""

    __slots__ = ("store", "single", "inside")

    def __init__(self, store: "SQLiteStore", single: bool = False) -> None:
        self.store = store
        self.single = single  # nested, it needs no savepoint (one statement, say)
        self.inside = False

    def __enter__(self) -> None:
        store = self.store
        store._lock.acquire()
        # A create nests several one-statement blocks; each savepoint costs two statements.
        self.inside = self.single and store._depth > store._base_depth
        if self.inside:
            return
        try:
            store._conn.execute(_SAVEPOINT[store._depth] if store._depth else "BEGIN IMMEDIATE")
        except BaseException:
            store._lock.release()
            raise
        store._depth += 1

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        store = self.store
        if self.inside:
            store._lock.release()
            return
        try:
            store._depth -= 1
            depth = store._depth
            if depth:
                if kind is not None:
                    store._conn.execute(_ROLLBACK_TO[depth])
                    store._forget_caches()
                store._conn.execute(_RELEASE[depth])
                if depth == store._base_depth:
                    store._block_done()
                return
            if kind is not None:
                store._rollback()
                return
            try:
                store._conn.execute("COMMIT")
            except BaseException:
                store._rollback()
                raise
        finally:
            store._lock.release()


class SQLiteStore:
    """SQLite-backed store: in memory by default, a WAL file when a path is given.

    One connection serves all threads of a process behind a lock (SQLite calls are
    microseconds); separate processes (workers) each open their own connection and rely
    on SQLite's locking, with writes inside `BEGIN IMMEDIATE` transactions.
    """

    def __init__(self, path: str | Path | None = None, shared: bool = False) -> None:
        self.path = None if path is None else Path(path)
        # Another process writing the same file makes in-process caches unsafe.
        self.shared = shared
        self._next_due_cache: Any = _UNKNOWN
        self._endpoint_cache: dict[tuple[str, str], Any] = {}
        self._counters: dict[str, int] = {}  # see next_number
        target = ":memory:" if self.path is None else str(self.path)
        self._conn = sqlite3.connect(
            target,
            check_same_thread=False,
            isolation_level=None,
            timeout=30.0,
            # Room for a statement per (provider, kind) and shape (see _scope), so that
            # prepared statements are reused rather than prepared again.
            cached_statements=1024,
        )
        self._lock = threading.RLock()
        self._depth = 0
        with self._lock:
            if self.path is not None:
                self._conn.execute("PRAGMA journal_mode=WAL")
                # NORMAL in WAL mode: a committed transaction survives a process crash;
                # only an OS crash or power loss may drop the last commits.
                self._conn.execute("PRAGMA synchronous=NORMAL")
            # Pages freed by trimming and reset can be handed back (a new database only).
            self._conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
            self._conn.executescript(_SCHEMA)
            self._add_columns()
            # An in-memory database, which only this connection reads, keeps a transaction
            # open, and the store's transactions are savepoints in it, committed together
            # every COMMIT_EVERY blocks: a commit of an in-memory database scans its page
            # cache, which grows with the data (a create's commit 7 → 25 µs by 27,500
            # payments). Nothing is lost: the database ends with the process anyway.
            # The depth outside every block: 1 where a transaction stays open.
            self._base_depth = 0 if self.path is not None else 1
            self._blocks = 0
            if self._base_depth:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth = self._base_depth
        self._journal_buffer: list[tuple] = []
        self._journal_keep = 1000
        self._records: dict[tuple[str, str, str, str], Record] = {}
        # (tenant, kind) pairs holding each provider's records, as `find` last saw them.
        self._pairs: dict[str, list[tuple[str, str]]] = {}

    # -- transactions -----------------------------------------------------------------

    def _add_columns(self) -> None:
        for table, columns in _ADDED_COLUMNS.items():
            present = {row[1] for row in self._conn.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if column.split()[0] not in present:
                    self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")

    def transaction(self, savepoint: bool = True) -> "_Transaction":
        """A write transaction, rolled back on error; a nested one is a savepoint (an error
        leaving it undoes its own writes only, and the outer transaction goes on if the
        caller catches the error). `savepoint=False` nests without one (two statements
        fewer), for a block whose only error a caller may catch is raised by its first
        write, which SQLite undoes by itself."""
        return _Transaction(self, single=not savepoint)

    def _statement(self) -> "_Transaction":
        """A block that writes with one statement: a transaction of its own at the top
        level, the caller's transaction (without a savepoint) inside one."""
        return self.transaction(savepoint=False)

    def _block_done(self) -> None:
        self._blocks += 1
        if self._blocks >= COMMIT_EVERY:
            self._commit_open()

    def _commit_open(self) -> None:
        """Commits an in-memory store's open transaction and opens the next one."""
        self._blocks = 0
        self._conn.execute("COMMIT")
        self._conn.execute("BEGIN IMMEDIATE")

    def _rollback(self) -> None:
        self._conn.execute("ROLLBACK")
        self._forget_caches()

    def _forget_caches(self) -> None:
        # Caches may reflect writes just undone.
        self._next_due_cache = _UNKNOWN
        self._endpoint_cache.clear()
        self._counters.clear()

    def _execute(self, sql: str, params: tuple | list = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._conn.execute(sql, params)

    # -- resources --------------------------------------------------------------------

    def insert(self, record: Record) -> None:
        """Adds a new record; raises DuplicateRef if its ref is taken for the tenant."""
        with self._statement():
            try:
                self._execute(
                    f"INSERT INTO resources ({_RESOURCE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        record.provider,
                        record.tenant,
                        record.kind,
                        record.id,
                        record.state,
                        record.version,
                        record.created_at,
                        record.ref,
                        record.parent,
                        _dumps(record.data),
                    ),
                )
            except sqlite3.IntegrityError:
                existing = (
                    self.get_by_ref(record.provider, record.tenant, record.kind, record.ref)
                    if record.ref is not None
                    else None
                )
                if existing is None:
                    raise
                raise DuplicateRef(existing) from None

    def insert_many(self, records: list[Record]) -> None:
        """Bulk insert for seeding and benchmarks (no ref checks beyond the index)."""
        with self.transaction():
            with self._lock:
                self._conn.executemany(
                    f"INSERT INTO resources ({_RESOURCE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [
                        (
                            r.provider,
                            r.tenant,
                            r.kind,
                            r.id,
                            r.state,
                            r.version,
                            r.created_at,
                            r.ref,
                            r.parent,
                            _dumps(r.data),
                        )
                        for r in records
                    ],
                )

    def get(self, provider: str, tenant: str, kind: str, id: str) -> Record | None:
        """The tenant's record of that kind and id, or None (also for another tenant's id)."""
        row = self._execute(_select_by(provider, kind, "id"), (tenant, id)).fetchone()
        return None if row is None else _record(row)

    def find(self, provider: str, id: str, kind: str | None = None) -> Record | None:
        """A provider's record by id whatever its tenant (and kind, unless given): for the
        control API, hosted pages and public lookups. A primary-key probe per (tenant, kind)
        the tallies know, rather than an index on ids that every insert would maintain."""
        with self._lock:
            known = self._pairs.get(provider)
            if known is not None:
                found = self._probe(provider, id, known, kind)
                if found is not None:
                    return found
            # A miss asks the tallies again: a tenant or a kind may have come since (from
            # another worker, too); the pairs already probed are not probed twice.
            pairs = [(tenant, of) for tenant, of, _count in self._groups(provider)]
            self._pairs[provider] = pairs
            fresh = [p for p in pairs if p not in (known or ())]
            return self._probe(provider, id, fresh, kind)

    def _probe(
        self, provider: str, id: str, pairs: list[tuple[str, str]], kind: str | None
    ) -> Record | None:
        for tenant, of in pairs:
            if kind is not None and of != kind:
                continue
            row = self._conn.execute(_select_by(provider, of, "id"), (tenant, id)).fetchone()
            if row is not None:
                return _record(row)
        return None

    def find_all(
        self, provider: str, id: str, *, tenant: str | None = None, kind: str | None = None
    ) -> list[Record]:
        """Every record of a provider with this id, of any (or the given) tenant and kind,
        by tenant then kind: ids are unique per (provider, tenant, kind) only, so a caller
        that knows neither can tell whether an id names one resource."""
        with self._lock:
            found = []
            for pair_tenant, pair_kind, _count in self._groups(provider):
                if tenant not in (None, pair_tenant) or kind not in (None, pair_kind):
                    continue
                row = self._conn.execute(
                    _select_by(provider, pair_kind, "id"), (pair_tenant, id)
                ).fetchone()
                if row is not None:
                    found.append(_record(row))
        return found

    def get_by_ref(self, provider: str, tenant: str, kind: str, ref: str) -> Record | None:
        """The tenant's record carrying this business reference, if any."""
        row = self._execute(_select_by(provider, kind, "ref"), (tenant, ref)).fetchone()
        return None if row is None else _record(row)

    def compare_and_set(self, record: Record, state: str, data: dict[str, Any]) -> Record | None:
        """Writes a new state and data only if the stored version is still `record.version`;
        returns the updated record, or None when another writer got there first."""
        with self._statement():
            cursor = self._execute(
                _compare_and_set(record.provider, record.kind),
                (state, _dumps(data), record.tenant, record.id, record.version),
            )
            if cursor.rowcount != 1:
                return None
        return record.evolve(state=state, data=data, version=record.version + 1)

    # -- queries ----------------------------------------------------------------------

    def index(self, provider: str, kind: str, fields: tuple[str, ...]) -> None:
        """Indexes data fields of one provider's kind (named as in `Where`, without the
        `data.` prefix), so that filters on them, and orders by them, read an index rather
        than every record. Each is a partial index that only that kind's rows carry."""
        for path in fields:
            expression = _expression(f"data.{path}")
            name = re.sub(r"\W", "_", f"resources_{provider}__{kind}__{path}")
            with self._lock:
                self._conn.execute(
                    f'CREATE INDEX IF NOT EXISTS "{name}" ON resources '
                    # provider and kind again, though fixed by the WHERE: SQLite ranks an
                    # index by the equalities it serves, and would otherwise prefer
                    # resources_listing and filter every record of the tenant's kind.
                    f"(provider, tenant, kind, {expression}, created_at, id, version) "
                    f"WHERE {_scope(provider, kind)}"
                )

    def _listing(
        self,
        provider: str,
        tenant: str,
        kind: str,
        tests: list[tuple[str, str, Any]],
        order: str,
        after: str | None,
    ) -> tuple[str, str, list[Any], tuple[str, ...]]:
        """The WHERE and ORDER BY of a query, its parameters and its sort key."""
        conditions, params = _conditions(tests)
        key, descending = _ordering(order)
        if after is not None:
            clause, values = _after(key, descending, _position(after, order, len(key)))
            conditions.append(clause)
            params.extend(values)
        condition = " AND ".join([f"{_scope(provider, kind)} AND tenant=?", *conditions])
        direction = " DESC" if descending else ""
        return condition, ", ".join(k + direction for k in key), [tenant, *params], key

    def query(
        self,
        provider: str,
        tenant: str,
        kind: str,
        *,
        where: Where | None = None,
        order: str = "-created_at",
        limit: int = 20,
        offset: int = 0,
        after: str | None = None,
        count: bool = True,
    ) -> Page:
        """A page of a tenant's records of one kind that pass every filter of `where` (see
        `Where`), sorted by `order`: a field named as in `where`, `-` first for descending
        (newest first by default). Page on with `offset`, or with `after=page.next_cursor`,
        which costs the same on every page and skips nothing when records are added.
        `total` counts every match (not only those after the cursor): from the tallies
        when the filters are a state (or a set of states) or a parent alone, otherwise
        by counting, which `count=False` skips."""
        tests = _tests(where)
        condition, ordering, params, key = self._listing(
            provider, tenant, kind, tests, order, after
        )
        with self._lock:
            total = None
            if count:
                total = self._tallied(provider, tenant, kind, tests)
                if total is None:
                    total = self._count(provider, tenant, kind, tests)
                if offset >= total:
                    return Page([], total)
            tail = f"FROM resources WHERE {condition} ORDER BY {ordering} LIMIT ? OFFSET ?"
            bounds = [limit + 1, min(offset, MAX_OFFSET)]  # one more: are there more?
            if self.shared:
                rows = self._conn.execute(
                    f"SELECT {', '.join(key)}, {_RESOURCE_COLUMNS} {tail}", [*params, *bounds]
                ).fetchall()
                records = [_record(row[len(key) :]) for row in rows[:limit]]
            else:
                rows = self._conn.execute(
                    f"SELECT {', '.join(key)}, version {tail}", [*params, *bounds]
                ).fetchall()
                records = self._cached_page(provider, tenant, kind, rows[:limit], key.index("id"))
        more = len(rows) > limit
        resume = (order, list(rows[limit - 1][: len(key)])) if more and limit else None
        return Page(records, total, more, resume)

    def _cached_page(
        self, provider: str, tenant: str, kind: str, found: list[tuple], id_at: int
    ) -> list[Record]:
        """The records of a page, given (sort key…, version) rows, decoded only when the
        cache lacks that version. Decoding a record's JSON costs more than all of SQLite's
        work for a page, and the same recent records are listed again and again. Only
        committed versions are kept (a version number never comes back with other data
        except after `wipe`, which empties the cache), and only when no other process
        shares the file; cached records are shared, so their data must not be mutated."""
        cache = self._records
        records: dict[str, Record] = {}
        missing = []
        for row in found:
            cached = cache.get((provider, tenant, kind, row[id_at]))
            if cached is not None and cached.version == row[-1]:
                records[cached.id] = cached
            else:
                missing.append(row[id_at])
        if missing:
            rows = self._conn.execute(
                f"SELECT {_RESOURCE_COLUMNS} FROM resources WHERE {_scope(provider, kind)} "
                f"AND tenant=? AND id IN ({','.join('?' * len(missing))})",
                [tenant, *missing],
            ).fetchall()
            for row in rows:
                record = records[row[3]] = _record(row)
                if self._depth == self._base_depth:  # outside the store's blocks: committed
                    if len(cache) >= RECORD_CACHE:
                        del cache[next(iter(cache))]
                    cache[(provider, tenant, kind, record.id)] = record
        return [records[row[id_at]] for row in found]

    def explain(
        self,
        provider: str,
        tenant: str,
        kind: str,
        *,
        where: Where | None = None,
        order: str = "-created_at",
    ) -> list[str]:
        """SQLite's plan for a query's page (`SEARCH … USING INDEX …`), to check that a
        provider's filters and orders use an index."""
        condition, ordering, params, _key = self._listing(
            provider, tenant, kind, _tests(where), order, None
        )
        rows = self._execute(
            f"EXPLAIN QUERY PLAN SELECT id FROM resources WHERE {condition} "
            f"ORDER BY {ordering} LIMIT 20",
            params,
        ).fetchall()
        return [row[-1] for row in rows]

    def _count(
        self, provider: str, tenant: str, kind: str, tests: list[tuple[str, str, Any]]
    ) -> int:
        condition, _ordering, params, _key = self._listing(
            provider, tenant, kind, tests, "created_at", None
        )
        return self._conn.execute(
            f"SELECT COUNT(*) FROM resources WHERE {condition}", params
        ).fetchone()[0]

    def _tallied(
        self, provider: str, tenant: str, kind: str, tests: list[tuple[str, str, Any]]
    ) -> int | None:
        """The count from the tallies when one covers the filters, else None."""
        if not tests:
            dimension, values = "", [""]
        elif len(tests) == 1 and tests[0][:2] in (("state", "eq"), ("parent", "eq")):
            dimension, values = tests[0][0], [tests[0][2]]
        elif len(tests) == 1 and tests[0][:2] == ("state", "in"):
            dimension, values = "state", list(set(tests[0][2]))
        else:
            return None
        if not values:
            return 0
        return self._conn.execute(
            "SELECT COALESCE(SUM(count), 0) FROM tallies WHERE provider=? AND tenant=? AND "
            f"kind=? AND dimension=? AND value IN ({','.join('?' * len(values))})",
            [provider, tenant, kind, dimension, *values],
        ).fetchone()[0]

    def kinds(self, provider: str) -> dict[str, dict[str, int]]:
        """How many records of each kind each tenant of a provider holds (tenant → kind →
        count), from the tallies: no resource row is read."""
        found: dict[str, dict[str, int]] = {}
        with self._lock:
            for tenant, kind, count in self._groups(provider):
                found.setdefault(tenant, {})[kind] = count
        return found

    def _groups(self, provider: str) -> list[tuple[str, str, int]]:
        """(tenant, kind, count) of every group a provider's tallies know. A loose index
        scan, one seek per group: the tallies also count per parent (an order's payments),
        and a provider can have a million parents but only a few groups."""
        found = []
        tenant, kind = "", ""
        while True:
            row = self._conn.execute(
                "SELECT tenant, kind, dimension, count FROM tallies "
                "WHERE provider=? AND (tenant, kind) > (?, ?) "
                "ORDER BY provider, tenant, kind, dimension, value LIMIT 1",
                (provider, tenant, kind),
            ).fetchone()
            if row is None:
                return found
            tenant, kind, dimension, count = row
            # Every insert counts in the '' dimension first, which sorts first.
            found.append((tenant, kind, count if dimension == "" else 0))

    # -- timers -----------------------------------------------------------------------

    def schedule(self, timer: Timer) -> None:
        """Adds a scheduled transition."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO timers (due_at, provider, tenant, kind, resource_id, action, state, "
                "repeat) VALUES (?,?,?,?,?,?,?,?)",
                (
                    timer.due_at,
                    timer.provider,
                    timer.tenant,
                    timer.kind,
                    timer.resource_id,
                    timer.action,
                    timer.state,
                    None if timer.repeat is None else _dumps(timer.repeat),
                ),
            )
            cached = self._next_due_cache
            if cached is not _UNKNOWN:
                self._next_due_cache = timer.due_at if cached is None else min(cached, timer.due_at)

    def next_due(self) -> int | None:
        """The earliest due instant of any timer, or None (asked on every request, so it
        is remembered when no other process shares the file)."""
        with self._lock:
            if self._next_due_cache is not _UNKNOWN and not self.shared:
                return self._next_due_cache
            due = self._conn.execute("SELECT MIN(due_at) FROM timers").fetchone()[0]
            self._next_due_cache = due
            return due

    def due_timers(self, now: int, limit: int = 100) -> list[Timer]:
        """Timers due at or before `now`, earliest first (ties in scheduling order)."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_TIMER_COLUMNS} FROM timers WHERE due_at<=? ORDER BY due_at, seq LIMIT ?",
                (now, limit),
            ).fetchall()
            if not rows:
                self._next_due_cache = _UNKNOWN
        return [_timer(row) for row in rows]

    def claim_timer(self, timer: Timer) -> bool:
        """Removes a timer; True only for the one caller that removed it."""
        with self._lock:
            self._next_due_cache = _UNKNOWN
            return self._conn.execute("DELETE FROM timers WHERE seq=?", (timer.seq,)).rowcount == 1

    def timers_for(self, provider: str, resource_id: str) -> list[Timer]:
        """Pending timers of one resource, earliest first."""
        return self.scheduled_timers(provider=provider, resource_id=resource_id, limit=-1)

    def cancel_timers(
        self, provider: str, tenant: str, kind: str, resource_id: str, state: str | None
    ) -> None:
        """Drops a resource's timers armed on entering `state` (it is leaving the state), or
        all of them (state None: it is in a state nothing leaves)."""
        where = "provider=? AND resource_id=? AND tenant=? AND kind=?"
        params: tuple[str, ...] = (provider, resource_id, tenant, kind)
        if state is not None:
            where, params = where + " AND state=?", (*params, state)
        with self._lock:
            cursor = self._conn.execute(f"DELETE FROM timers WHERE {where}", params)
            if cursor.rowcount:
                self._next_due_cache = _UNKNOWN

    def scheduled_timers(
        self, *, provider: str | None = None, resource_id: str | None = None, limit: int = 100
    ) -> list[Timer]:
        """Pending timers, earliest first, optionally of one provider or resource."""
        where, params = self._timer_filters(provider, resource_id)
        rows = self._execute(
            f"SELECT {_TIMER_COLUMNS} FROM timers WHERE {where} ORDER BY due_at, seq LIMIT ?",
            [*params, limit],
        ).fetchall()
        return [_timer(row) for row in rows]

    def bury_timer(self, timer: Timer, failed_at: int, error: str) -> None:
        """Keeps a timer whose transition failed, with the error, out of the schedule (in
        the caller's transaction, which has claimed it)."""
        self._execute(
            f"INSERT OR REPLACE INTO dead_timers ({_TIMER_COLUMNS}, failed_at, error) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                timer.due_at,
                timer.provider,
                timer.tenant,
                timer.kind,
                timer.resource_id,
                timer.action,
                timer.seq,
                timer.state,
                None if timer.repeat is None else _dumps(timer.repeat),
                failed_at,
                error,
            ),
        )

    def dead_timers(
        self, *, provider: str | None = None, resource_id: str | None = None, limit: int = 100
    ) -> list[DeadTimer]:
        """Timers whose transition failed, most recent failure first."""
        where, params = self._timer_filters(provider, resource_id)
        rows = self._execute(
            f"SELECT {_TIMER_COLUMNS}, failed_at, error FROM dead_timers WHERE {where} "
            "ORDER BY failed_at DESC, seq DESC LIMIT ?",
            [*params, limit],
        ).fetchall()
        return [DeadTimer(_timer(row[:-2]), failed_at=row[-2], error=row[-1]) for row in rows]

    def revive_timer(self, seq: int, due_at: int) -> bool:
        """Moves a dead timer back into the schedule, due at `due_at` (under a new number);
        False if no dead timer has number `seq`."""
        with self.transaction():
            row = self._execute(
                f"DELETE FROM dead_timers WHERE seq=? RETURNING {_TIMER_COLUMNS}", (seq,)
            ).fetchone()
            if row is None:
                return False
            self.schedule(replace(_timer(row), due_at=due_at))
        return True

    @staticmethod
    def _timer_filters(provider: str | None, resource_id: str | None) -> tuple[str, list[Any]]:
        where, params = ["1=1"], []
        for column, value in (("provider", provider), ("resource_id", resource_id)):
            if value is not None:
                where.append(f"{column}=?")
                params.append(value)
        return " AND ".join(where), params

    # -- events -----------------------------------------------------------------------

    def append_event(self, event: Event) -> None:
        """Records an emitted event; the newest EVENT_HISTORY are kept (events are for
        inspection: webhooks and state live elsewhere)."""
        with self._lock:
            cursor = self._conn.execute(
                "INSERT INTO events (name, provider, tenant, kind, resource_id, at, state, "
                "data) VALUES (?,?,?,?,?,?,?,?)",
                (
                    event.name,
                    event.provider,
                    event.tenant,
                    event.kind,
                    event.resource_id,
                    event.at,
                    event.state,
                    _dumps(event.data),
                ),
            )
            if cursor.lastrowid % 1024 == 0:  # trim in batches, not on every event
                self._conn.execute(
                    "DELETE FROM events WHERE seq <= ?", (cursor.lastrowid - EVENT_HISTORY,)
                )

    def events(
        self,
        *,
        provider: str | None = None,
        resource_id: str | None = None,
        after_seq: int = 0,
        limit: int = 100,
    ) -> list[Event]:
        """Emitted events in order, optionally for one provider or resource."""
        where, params = ["seq>?"], [after_seq]
        if provider is not None:
            where.append("provider=?")
            params.append(provider)
        if resource_id is not None:
            where.append("resource_id=?")
            params.append(resource_id)
        rows = self._execute(
            "SELECT name, provider, tenant, kind, resource_id, at, state, data, seq "
            f"FROM events WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?",
            [*params, limit],
        ).fetchall()
        return [Event(*row[:7], data=json.loads(row[7]), seq=row[8]) for row in rows]

    # -- counters and metadata --------------------------------------------------------

    def next_number(self, namespace: str) -> int:
        """Increments and returns a named counter (starting at 1). A store that no other
        process writes remembers the values it handed out, so an increment is a plain
        UPDATE (an upsert returning the value costs three times more); a rollback forgets
        them, and the next increment reads the counter again."""
        with self._statement():
            known = None if self.shared else self._counters.get(namespace)
            if known is None:
                value = self._execute(
                    "INSERT INTO counters (namespace, value) VALUES (?, 1) "
                    "ON CONFLICT(namespace) DO UPDATE SET value=value+1 RETURNING value",
                    (namespace,),
                ).fetchone()[0]
            else:
                value = known + 1
                self._execute("UPDATE counters SET value=? WHERE namespace=?", (value, namespace))
            if not self.shared:
                self._counters[namespace] = value
        return value

    def get_meta(self, key: str) -> Any:
        """A JSON value stored under `key`, or None."""
        row = self._execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        """Stores a JSON value under `key`."""
        self._execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, _dumps(value)),
        )

    # -- journal ----------------------------------------------------------------------

    def journal_append(self, entry: JournalEntry | Callable[[], JournalEntry], keep: int) -> None:
        """Records a request; only the newest `keep` entries are retained. `entry` may be a
        function that renders it: rendering (decoding bodies, masking secrets) then waits
        until the entry is written, and an entry that newer ones push out of the journal
        before that is never rendered. A file store writes in batches (and on the runtime's
        ticks, `write_journal_to_file`); an in-memory store holds entries until the journal
        is read, since nobody else can look (one insert per request, or one rendering,
        would cost a tenth of a create)."""
        with self._lock:
            buffer = self._journal_buffer
            buffer.append(entry)
            self._journal_keep = keep
            if self.path is not None:
                if len(buffer) >= 64:
                    self.flush_journal()
            elif len(buffer) >= keep + 64:
                del buffer[: len(buffer) - keep]  # pushed out before anyone could read them

    def write_journal_to_file(self) -> None:
        """Writes buffered journal entries if the store is a file, where other workers read
        them and a crash would lose them; an in-memory store keeps them until read."""
        if self.path is not None:
            self.flush_journal()

    def flush_journal(self) -> None:
        """Writes buffered journal entries (the newest `keep`, rendered now) and trims the
        journal to its size."""
        with self._lock:
            if not self._journal_buffer:
                return
            pending, self._journal_buffer = self._journal_buffer, []
            keep = max(0, self._journal_keep)
            rows = []
            for item in pending[len(pending) - min(keep, len(pending)) :]:
                entry = item() if callable(item) else item
                rows.append(
                    (
                        entry.at,
                        entry.provider,
                        entry.method,
                        entry.path,
                        entry.query,
                        entry.status,
                        entry.duration_ms,
                        _dumps(entry.request_headers),
                        entry.request_body,
                        _dumps(entry.response_headers),
                        entry.response_body,
                    )
                )
            self._conn.executemany(
                "INSERT INTO journal (at, provider, method, path, query, status, duration_ms, "
                "request_headers, request_body, response_headers, response_body) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
            self._conn.execute(
                "DELETE FROM journal WHERE seq <= (SELECT MAX(seq) FROM journal) - ?",
                (keep,),
            )

    def journal(
        self,
        *,
        provider: str | None = None,
        path: str | None = None,
        status: int | None = None,
        method: str | None = None,
        limit: int = 100,
        after: int = 0,
    ) -> list[JournalEntry]:
        """Recorded requests, newest first; `path` matches as a prefix; `after` keeps only
        entries with a higher sequence number (what a live tail has not shown yet)."""
        self.flush_journal()
        where, params = ["seq>?"], [after]
        if provider is not None:
            where.append("provider=?")
            params.append(provider)
        if path is not None:
            where.append("substr(path, 1, ?)=?")
            params.extend([len(path), path])
        if status is not None:
            where.append("status=?")
            params.append(status)
        if method is not None:
            where.append("method=?")
            params.append(method.upper())
        rows = self._execute(
            "SELECT at, provider, method, path, query, status, duration_ms, request_headers, "
            "request_body, response_headers, response_body, seq FROM journal "
            f"WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?",
            [*params, limit],
        ).fetchall()
        return [
            JournalEntry(
                at=r[0],
                provider=r[1],
                method=r[2],
                path=r[3],
                query=r[4],
                status=r[5],
                duration_ms=r[6],
                request_headers=json.loads(r[7]),
                request_body=r[8],
                response_headers=json.loads(r[9]),
                response_body=r[10],
                seq=r[11],
            )
            for r in rows
        ]

    def journal_clear(self) -> None:
        """Forgets every recorded request."""
        with self._lock:
            self._journal_buffer = []
            self._execute("DELETE FROM journal")

    # -- webhook deliveries -----------------------------------------------------------

    _DELIVERY_COLUMNS = (
        "id, event_id, provider, tenant, resource_id, event, url, body, headers, "
        "created_at, next_attempt_at, status, attempts, ordered, last_status, "
        "last_error, delivered_at, seq"
    )

    @staticmethod
    def _delivery(row: tuple) -> Delivery:
        values = list(row)
        values[8] = json.loads(values[8])
        values[13] = bool(values[13])
        return Delivery(*values)

    def enqueue_delivery(self, delivery: Delivery) -> None:
        """Adds a delivery to the outbox (in the caller's transaction)."""
        d = delivery
        self._execute(
            "INSERT INTO deliveries (id, event_id, provider, tenant, resource_id, event, url, "
            "body, headers, created_at, next_attempt_at, status, attempts, ordered) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                d.id,
                d.event_id,
                d.provider,
                d.tenant,
                d.resource_id,
                d.event,
                d.url,
                d.body,
                _dumps(d.headers),
                d.created_at,
                d.next_attempt_at,
                d.status,
                d.attempts,
                int(d.ordered),
            ),
        )

    def due_deliveries(self, now: int, wall_now: int, limit: int = 50) -> list[Delivery]:
        """Deliveries whose attempt is due on the sandbox clock (or whose sender's lease ran
        out), earliest first, skipping any that must wait for an earlier delivery of the
        same resource."""
        rows = self._execute(
            f"SELECT {self._DELIVERY_COLUMNS} FROM deliveries AS d "
            "WHERE ((d.status='pending' AND d.next_attempt_at<=?) "
            "       OR (d.status='sending' AND d.lease_until<?)) "
            "AND (d.ordered=0 OR NOT EXISTS (SELECT 1 FROM deliveries AS e "
            "     WHERE e.provider=d.provider AND e.resource_id=d.resource_id "
            "     AND e.seq<d.seq AND e.ordered=1 AND e.status IN ('pending','sending'))) "
            "ORDER BY d.next_attempt_at, d.seq LIMIT ?",
            (now, wall_now, limit),
        ).fetchall()
        return [self._delivery(row) for row in rows]

    def claim_delivery(
        self, delivery: Delivery, wall_now: int, lease_ms: int, owner: str | None = None
    ) -> bool:
        """Marks a delivery as being sent by `owner`; True only for the one sender that got
        it, and only if nobody attempted it since `delivery` was read (a sender that read it
        due while another was sending it would otherwise send it again at once, before its
        backoff). The lease runs out after `lease_ms` of real time, or at once when its
        owner is found gone (`release_leases`)."""
        cursor = self._execute(
            "UPDATE deliveries SET status='sending', lease_until=?, lease_owner=? WHERE id=? "
            "AND attempts=? AND (status='pending' OR (status='sending' AND lease_until<?))",
            (wall_now + lease_ms, owner, delivery.id, delivery.attempts, wall_now),
        )
        return cursor.rowcount == 1

    def lease_owners(self) -> list[str]:
        """The owners of deliveries being sent right now."""
        rows = self._execute(
            "SELECT DISTINCT lease_owner FROM deliveries "
            "WHERE status='sending' AND lease_owner IS NOT NULL"
        ).fetchall()
        return [row[0] for row in rows]

    def release_leases(self, owner: str) -> int:
        """Gives the deliveries `owner` was sending back to the queue (an owner that died
        mid-attempt); returns how many."""
        return self._execute(
            "UPDATE deliveries SET status='pending', lease_until=NULL, lease_owner=NULL "
            "WHERE status='sending' AND lease_owner=?",
            (owner,),
        ).rowcount

    def finish_attempt(
        self,
        delivery: Delivery,
        attempt: DeliveryAttempt,
        *,
        status: str,
        next_attempt_at: int | None,
    ) -> None:
        """Records an attempt and the delivery's new status."""
        with self.transaction():
            self._execute(
                "INSERT INTO delivery_attempts (delivery_id, number, at, status_code, error, "
                "duration_ms) VALUES (?,?,?,?,?,?)",
                (
                    attempt.delivery_id,
                    attempt.number,
                    attempt.at,
                    attempt.status_code,
                    attempt.error,
                    attempt.duration_ms,
                ),
            )
            self._execute(
                "UPDATE deliveries SET status=?, attempts=?, next_attempt_at=?, last_status=?, "
                "last_error=?, delivered_at=?, lease_until=NULL, lease_owner=NULL WHERE id=?",
                (
                    status,
                    attempt.number,
                    next_attempt_at if next_attempt_at is not None else delivery.next_attempt_at,
                    attempt.status_code,
                    attempt.error,
                    attempt.at if status == "delivered" else delivery.delivered_at,
                    delivery.id,
                ),
            )

    def deliveries(
        self,
        *,
        provider: str | None = None,
        resource_id: str | Sequence[str] | None = None,
        status: str | None = None,
        event: str | None = None,
        tenant: str | None = None,
        limit: int = 100,
        newest_first: bool = False,
    ) -> list[Delivery]:
        """Deliveries in the order they were queued (or the newest first), filtered;
        `resource_id` may name several resources (a list page's, in one query)."""
        where, params = ["1=1"], []
        if resource_id is not None and not isinstance(resource_id, str):
            ids = list(resource_id)
            where.append(f"resource_id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
            resource_id = None
        for column, value in (
            ("provider", provider),
            ("resource_id", resource_id),
            ("status", status),
            ("event", event),
            ("tenant", tenant),
        ):
            if value is not None:
                where.append(f"{column}=?")
                params.append(value)
        rows = self._execute(
            f"SELECT {self._DELIVERY_COLUMNS} FROM deliveries WHERE {' AND '.join(where)} "
            f"ORDER BY seq{' DESC' if newest_first else ''} LIMIT ?",
            [*params, limit],
        ).fetchall()
        return [self._delivery(row) for row in rows]

    def delivery(self, delivery_id: str) -> Delivery | None:
        """One delivery by id."""
        row = self._execute(
            f"SELECT {self._DELIVERY_COLUMNS} FROM deliveries WHERE id=?", (delivery_id,)
        ).fetchone()
        return None if row is None else self._delivery(row)

    def attempts(self, delivery_id: str) -> list[DeliveryAttempt]:
        """The attempts of a delivery, in order."""
        rows = self._execute(
            "SELECT delivery_id, number, at, status_code, error, duration_ms "
            "FROM delivery_attempts WHERE delivery_id=? ORDER BY number",
            (delivery_id,),
        ).fetchall()
        return [DeliveryAttempt(*row) for row in rows]

    def redeliver(self, delivery_id: str, now: int) -> Delivery | None:
        """Queues a delivery again, due now, whatever its status."""
        cursor = self._execute(
            "UPDATE deliveries SET status='pending', next_attempt_at=?, lease_until=NULL "
            "WHERE id=? AND status!='sending'",
            (now, delivery_id),
        )
        return self.delivery(delivery_id) if cursor.rowcount == 1 else None

    def trim_deliveries(self, keep: int) -> int:
        """Forgets finished deliveries (and their attempts) older than the newest `keep`;
        pending ones are work still to do and stay. Returns how many were dropped."""
        with self.transaction():
            row = self._execute("SELECT MAX(seq) FROM deliveries").fetchone()
            if row[0] is None or row[0] <= keep:
                return 0
            old = [
                r[0]
                for r in self._execute(
                    "SELECT id FROM deliveries WHERE seq<=? AND status IN ('delivered','failed')",
                    (row[0] - keep,),
                ).fetchall()
            ]
            for start in range(0, len(old), 500):
                chunk = old[start : start + 500]
                marks = ",".join("?" * len(chunk))
                self._execute(
                    f"DELETE FROM delivery_attempts WHERE delivery_id IN ({marks})", chunk
                )
                self._execute(f"DELETE FROM deliveries WHERE id IN ({marks})", chunk)
        return len(old)

    # -- webhook endpoints and the test inbox -----------------------------------------

    def set_endpoint(self, provider: str, tenant: str, url: str | None, secret: str | None) -> None:
        """Where (and with which secret) a tenant's webhooks go."""
        with self._lock:
            self._endpoint_cache.clear()
            self._conn.execute(
                "INSERT INTO webhook_endpoints (provider, tenant, url, secret) "
                "VALUES (?,?,?,?) ON CONFLICT(provider, tenant) DO UPDATE SET "
                "url=excluded.url, secret=excluded.secret",
                (provider, tenant, url, secret),
            )

    def endpoint(self, provider: str, tenant: str) -> tuple[str | None, str | None] | None:
        """(url, secret) configured for a tenant, or None (asked for every event)."""
        key = (provider, tenant)
        with self._lock:
            if key in self._endpoint_cache and not self.shared:
                return self._endpoint_cache[key]
            row = self._conn.execute(
                "SELECT url, secret FROM webhook_endpoints WHERE provider=? AND tenant=?", key
            ).fetchone()
            found = None if row is None else (row[0], row[1])
            self._endpoint_cache[key] = found
            return found

    def endpoints(self) -> list[tuple[str, str, str | None, str | None]]:
        """Every configured endpoint: (provider, tenant, url, secret)."""
        return [
            tuple(row)
            for row in self._execute(
                "SELECT provider, tenant, url, secret FROM webhook_endpoints "
                "ORDER BY provider, tenant"
            ).fetchall()
        ]

    def delete_endpoint(self, provider: str, tenant: str) -> bool:
        """Forgets a tenant's endpoint; True if there was one."""
        with self._lock:
            self._endpoint_cache.clear()
            return (
                self._conn.execute(
                    "DELETE FROM webhook_endpoints WHERE provider=? AND tenant=?",
                    (provider, tenant),
                ).rowcount
                == 1
            )

    def inbox_record(
        self,
        name: str,
        at: int,
        headers: dict[str, str],
        body: str,
        status: int,
        *,
        max_entries: int = 1000,
        max_bytes: int = 8 * 1024 * 1024,
    ) -> None:
        """Keeps a webhook received by the sandbox's own test receiver; an inbox holds at
        most `max_entries` entries and `max_bytes` of them (the newest always stays), all
        inboxes together four times that; the oldest are dropped first."""
        with self.transaction():
            self._execute(
                "INSERT INTO inbox (name, at, status, headers, body) VALUES (?,?,?,?,?)",
                (name, at, status, _dumps(headers), body),
            )
            self._execute(
                "DELETE FROM inbox WHERE seq IN (SELECT seq FROM ("
                "  SELECT seq, ROW_NUMBER() OVER newest AS n,"
                "    SUM(length(CAST(body AS BLOB)) + length(headers)) OVER newest AS total"
                "  FROM inbox WHERE name=? WINDOW newest AS (ORDER BY seq DESC)"
                ") WHERE n > ? OR (n > 1 AND total > ?))",
                (name, max_entries, max_bytes),
            )
            # Many inboxes together hold at most four inboxes' worth.
            self._execute(
                "DELETE FROM inbox WHERE seq IN (SELECT seq FROM ("
                "  SELECT seq, SUM(length(CAST(body AS BLOB)) + length(headers))"
                "    OVER (ORDER BY seq DESC) AS total FROM inbox"
                ") WHERE total > ?)",
                (4 * max_bytes,),
            )

    def inbox(self, name: str, limit: int = 100) -> list[dict[str, Any]]:
        """What the test receiver `name` got, oldest first."""
        rows = self._execute(
            "SELECT seq, at, status, headers, body FROM inbox WHERE name=? ORDER BY seq LIMIT ?",
            (name, limit),
        ).fetchall()
        return [
            {"seq": r[0], "at": r[1], "status": r[2], "headers": json.loads(r[3]), "body": r[4]}
            for r in rows
        ]

    # -- lifecycle --------------------------------------------------------------------

    def wipe(self) -> None:
        """Deletes all state except the journal and webhook endpoints (reset re-seeds)."""
        with self.transaction():
            # Webhook endpoints are configuration, like the journal: a reset keeps them.
            for table in (
                "resources",
                "tallies",
                "timers",
                "dead_timers",
                "events",
                "counters",
                "meta",
                "deliveries",
                "delivery_attempts",
                "inbox",
            ):
                self._execute(f"DELETE FROM {table}")
            self._next_due_cache = _UNKNOWN
            self._counters.clear()
            self._records.clear()  # ids and versions start again
        # Hand the freed pages back: an in-memory database would otherwise keep its peak.
        with self._lock:
            self._execute("PRAGMA incremental_vacuum").fetchall()  # a page per step
            if self._base_depth and self._depth == self._base_depth:
                self._commit_open()  # an in-memory database frees pages when it commits

    def close(self) -> None:
        """Closes the connection (after writing buffered journal entries)."""
        with self._lock:
            self.flush_journal()
            self._conn.close()
