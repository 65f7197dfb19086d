"""The lifecycle engine: state machines as data, enforced by compare-and-set.

A provider describes its record kinds in `lifecycle.yaml` next to its code:

    upi_collect:                      # machine name = stored record kind
      initial: pending
      terminal: [completed, failed, expired, cancelled]
      created_event: PaymentPending   # emitted on creation (not for seeded history)
      transitions:
        complete: {from: [pending, processing], to: completed,
                   event: PaymentCompleted, effect: payment_completed}
        renew:                        # the target (and event) chosen by the data after it
          from: [active]
          to:
            - {when: {failures: {gte: 3}}, to: canceled, event: SubscriptionCanceled}
            - {to: active}
      outcomes:                       # chosen once at creation; first match wins
        - {when: {remitter_vpa_handle: success@upi}, outcome: success}
        - {outcome: no_payer}
      timers:                         # armed at creation, per outcome ("always": all)
        success: [{after: 10s, do: process}, {after: 30s, do: complete}]
        always: [{at: expires_at, do: expire}]   # `at` names a data field holding epoch ms
      on_enter:                       # armed each time the resource enters the state
        authorized: [{after: 7d, do: expire}]
        active: [{every: 30d, do: renew, times: 12}]

    settlement_report:                # a record kind: stored and listed, never transitions
      record: true
      initial: available              # its one state (default: recorded)
      created_event: ReportAvailable  # optional

Timer rules, in `timers` and `on_enter` alike:

- `{after: 30s, do: t}`: a delay from creation, or from entering the state.
- `{at: field, do: t}`: the instant (epoch ms) held in a data field; no timer if it is absent.
- `{every: 30d, do: t, times: 12, until: {condition}}`: repeating. The first firing is
  `every` (or `after`, or `at`) away; each firing re-arms it `every` after its own due
  instant, `times` firings in all. `until` (a condition on the resource's data, as in
  `matching.py`) ends it once it holds, checked before each firing and after it. Without
  either it repeats while its transition stays legal.
- `{at: field, do: t, repeat: true, times: 120, until: {condition}}`: repeating at
  instants the data say (calendar months, a schedule): after each firing it is re-armed at
  the instant the field then holds, if that is later than the firing; otherwise it ends.
- `when: {condition}` on any rule arms it only for resources whose data match when it
  would be armed (the chosen outcome is the data field `_outcome`).

A timer whose transition is no longer legal when it falls due is dropped (a payment
already completed cannot expire). Timers armed on entering a state are cancelled when the
resource leaves it (a transition back into the same state keeps them). A timer whose
transition raises is rolled back on its own and kept, with the error, as a dead timer
(`GET /_sandbox/timers?state=dead`); the others fire and serving goes on.

Effects are provider functions, named in the data, that compute the data changes a
transition makes (stamping `completed_at`, drawing a UTR…). They run inside the
transition's transaction, and may create child resources through `EffectContext.create`
(a subscription period's payment, a UTR's pending confirmation): the child's outcome,
timers and created event apply, and everything commits or rolls back with the parent's
transition.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from sandbox.clock import Clock
from sandbox.ids import IdGenerator
from sandbox.matching import matches, validate_condition
from sandbox.store import Event, Record, Store, Timer

log = logging.getLogger("paysandbox")

_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
RECORD_STATE = "recorded"  # the state of a record kind that names none


MAX_DURATION_MS = 100 * 365 * 86_400_000  # a century: longer is a typo, and would overflow


def parse_duration(value: str | int | float) -> int:
    """`"90s"`, `"5m"`, `"1.5h"`, `"4m59s"` or a number of seconds → milliseconds; at most
    MAX_DURATION_MS, so that nothing computed from it leaves the clock's range."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, (int, float)):
        ms = value * 1000
    else:
        text = str(value).strip()
        if len(text) > 40 or not _DURATION.match(text):
            shown = text if len(text) <= 40 else text[:40] + "…"
            raise ValueError(f"not a duration: {shown!r} (use e.g. 500ms, 30s, 5m, 2h, 1d, 4m59s)")
        ms = sum(float(amount) * _UNIT_MS[unit] for amount, unit in _DURATION_PART.findall(text))
    if not 0 <= ms <= MAX_DURATION_MS:  # also refuses NaN
        raise ValueError(f"duration {value!r} is out of range (0 to 100 years)")
    return round(ms)


@dataclass(frozen=True)
class Branch:
    """A conditional target of a transition: `{when: condition, to: state, event: name}`."""

    condition: Mapping[str, Any]
    state: str
    event: str | None = None


@dataclass(frozen=True)
class Transition:
    """A named, legal move between states."""

    name: str
    sources: frozenset[str]
    target: str
    event: str | None = None
    effect: str | None = None
    # Other targets chosen by the data after the effect: the first whose condition matches
    # wins, else `target` (a refund that covers what is left makes a payment `refunded`).
    # A branch may name its own event (a renewal that gives up cancels the subscription).
    branches: tuple[Branch, ...] = ()

    def resolve(self, data: Mapping[str, Any]) -> tuple[str, str | None]:
        """The state this transition leads to and the event it emits, given the resource's
        data after it: the first matching branch's (its event, else the transition's)."""
        for branch in self.branches:
            if matches(branch.condition, data):
                return branch.state, branch.event or self.event
        return self.target, self.event


@dataclass(frozen=True)
class TimerRule:
    """`do` a transition `after` a delay, `at` a data field's instant, or `every` period."""

    action: str
    after_ms: int | None = None
    at_field: str | None = None
    every_ms: int | None = None  # repeating: re-armed this long after each firing
    times: int | None = None  # firings of a repeating timer in all
    until: Mapping[str, Any] | None = None  # a repeating timer ends once the data match
    when: Mapping[str, Any] | None = None  # armed only if the data match
    repeat_at: bool = False  # re-armed at the `at` field's new instant after each firing

    def first_due(self, record: Record, since: int) -> int | None:
        """When the timer first falls due, armed at `since` (None: not armed)."""
        if self.at_field is not None:
            value = record.data.get(self.at_field)
            return int(value) if isinstance(value, (int, float)) else None
        delay = self.after_ms if self.after_ms is not None else self.every_ms
        return since + (delay or 0)

    def repeat(self) -> dict[str, Any] | None:
        """What the stored timer carries to re-arm itself (None for a one-off)."""
        if self.repeat_at:
            return {"at": self.at_field, "left": self.times, "until": self.until}
        if self.every_ms is None:
            return None
        return {"every": self.every_ms, "left": self.times, "until": self.until}


@dataclass(frozen=True)
class OutcomeRule:
    """Selects an outcome for a new resource whose data matches `when`."""

    outcome: str
    when: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Machine:
    """One state machine definition (or, with `record`, a kind that never transitions)."""

    name: str
    initial: str
    terminal: frozenset[str]
    transitions: Mapping[str, Transition]
    outcomes: tuple[OutcomeRule, ...] = ()
    timers: Mapping[str, tuple[TimerRule, ...]] = field(default_factory=dict)
    created_event: str | None = None
    on_enter: Mapping[str, tuple[TimerRule, ...]] = field(default_factory=dict)
    record: bool = False

    @cached_property
    def states(self) -> frozenset[str]:
        """Every state the machine can be in."""
        found = {self.initial, *self.terminal}
        for transition in self.transitions.values():
            found |= transition.sources | {transition.target}
            found |= {branch.state for branch in transition.branches}
        return frozenset(found)

    def allowed_from(self, state: str) -> list[str]:
        """Names of the transitions legal from `state`, in definition order."""
        return [t.name for t in self.transitions.values() if state in t.sources]

    def path_to(self, source: str, target: str) -> list[str] | None:
        """The shortest list of transitions leading from `source` to `target` (None if none)."""
        paths: dict[str, list[str]] = {source: []}
        frontier = [source]
        while frontier:
            following = []
            for state in frontier:
                for transition in self.transitions.values():
                    if state in transition.sources and transition.target not in paths:
                        paths[transition.target] = paths[state] + [transition.name]
                        following.append(transition.target)
            frontier = following
        return paths.get(target)

    def outcome_for(self, data: Mapping[str, Any]) -> str | None:
        """The first outcome whose condition matches the new resource's data."""
        for rule in self.outcomes:
            if matches(rule.when, data):
                return rule.outcome
        return None

    def timers_for(self, outcome: str | None) -> tuple[TimerRule, ...]:
        """Timer rules for an outcome, plus the ones that always apply."""
        return tuple(self.timers.get("always", ())) + (
            tuple(self.timers.get(outcome, ())) if outcome else ()
        )


class LifecycleError(Exception):
    """Base of lifecycle failures; provider error renderers translate these."""


class NotFound(LifecycleError):
    """The resource does not exist for this tenant."""

    def __init__(self, kind: str, id: str) -> None:
        super().__init__(f"{kind} {id!r} not found")
        self.kind, self.id = kind, id


class IllegalTransition(LifecycleError):
    """The transition is not allowed from the resource's current state."""

    def __init__(self, record: Record, action: str, allowed: list[str]) -> None:
        listed = ", ".join(allowed) if allowed else "none (the state is final)"
        super().__init__(
            f"cannot {action} {record.id}: it is {record.state}; allowed from "
            f"{record.state}: {listed}"
        )
        self.record, self.action, self.allowed = record, action, allowed


class UnknownKind(LifecycleError, KeyError):
    """The provider's lifecycle.yaml declares no such kind."""

    def __init__(self, provider: str, kind: str) -> None:
        super().__init__(
            f"{provider} declares no kind {kind!r} in its lifecycle.yaml "
            "(a kind without transitions is declared with `record: true`)"
        )

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


# -- loading and checking the YAML ----------------------------------------------------------

_MACHINE_KEYS = {
    "initial",
    "terminal",
    "created_event",
    "transitions",
    "outcomes",
    "timers",
    "on_enter",
    "record",
}
_RECORD_KEYS = {"record", "initial", "created_event"}
_TIMER_KEYS = {"do", "after", "at", "every", "times", "until", "when", "repeat"}


def load_machines(path: Path) -> dict[str, Machine]:
    """Reads a provider's lifecycle YAML into machine definitions (validated)."""
    raw = yaml.safe_load(path.read_text()) or {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"{path}: expected kind → definition")
    try:
        return {name: machine_from_dict(name, spec) for name, spec in raw.items()}
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def machine_from_dict(name: str, spec: Mapping[str, Any]) -> Machine:
    """Builds and checks one machine (or record kind) from its YAML mapping; raises
    ValueError naming the kind and the problem."""
    if not isinstance(spec, Mapping):
        raise ValueError(f"{name}: expected a mapping")
    if spec.get("record"):
        unknown = set(spec) - _RECORD_KEYS
        if unknown:
            raise ValueError(
                f"{name}: a record kind has no {', '.join(sorted(unknown))} (it never transitions)"
            )
        initial = str(spec.get("initial", RECORD_STATE))
        return Machine(
            name=name,
            initial=initial,
            terminal=frozenset({initial}),
            transitions={},
            created_event=spec.get("created_event"),
            record=True,
        )
    unknown = set(spec) - _MACHINE_KEYS
    if unknown:
        raise ValueError(
            f"{name}: unknown key(s) {', '.join(sorted(unknown))}; "
            f"use {', '.join(sorted(_MACHINE_KEYS))}"
        )
    if "initial" not in spec:
        raise ValueError(f"{name}: name its `initial` state (or declare `record: true`)")
    try:
        transitions = {
            tname: transition_from_dict(tname, t)
            for tname, t in (spec.get("transitions") or {}).items()
        }
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{name}: every transition needs `from` and `to` ({exc})") from None
    machine = Machine(
        name=name,
        initial=spec["initial"],
        terminal=frozenset(spec.get("terminal") or ()),
        transitions=transitions,
        outcomes=outcome_rules(spec.get("outcomes")),
        timers=timer_rules(spec.get("timers")),
        created_event=spec.get("created_event"),
        on_enter=timer_rules(spec.get("on_enter")),
    )
    check_machine(machine)
    return machine


def outcome_rules(raw: Any) -> tuple[OutcomeRule, ...]:
    """Outcome rules from their YAML list (conditions checked)."""
    rules = tuple(OutcomeRule(outcome=o["outcome"], when=o.get("when") or {}) for o in raw or ())
    for rule in rules:
        validate_condition(rule.when)
    return rules


def timer_rules(raw: Any) -> dict[str, tuple[TimerRule, ...]]:
    """`{key: [timer, ...]}` (an outcome for `timers`, a state for `on_enter`)."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"expected a mapping of lists of timers, got {raw!r}")
    return {key: tuple(timer_rule(t) for t in rules or ()) for key, rules in raw.items()}


def transition_from_dict(name: str, raw: Mapping[str, Any]) -> Transition:
    """One transition: `to` is a state, or a list of `{when: condition, to: state}` tried in
    order whose last entry has no `when` (the default); a conditional entry may name the
    `event` emitted when it is taken instead of the transition's."""
    to = raw["to"]
    branches: list[Branch] = []
    if isinstance(to, list):
        *conditional, default = to
        if not to or "when" in default:
            raise ValueError(f"transition {name!r}: the last `to` entry must have no `when`")
        if "event" in default:
            raise ValueError(
                f"transition {name!r}: the default `to` entry emits the transition's `event`"
            )
        for entry in conditional:
            validate_condition(entry["when"])
            branches.append(Branch(entry["when"], entry["to"], entry.get("event")))
        to = default["to"]
    return Transition(
        name=name,
        sources=frozenset(raw["from"]),
        target=to,
        event=raw.get("event"),
        effect=raw.get("effect"),
        branches=tuple(branches),
    )


def timer_rule(raw: Mapping[str, Any]) -> TimerRule:
    """One timer from its YAML mapping: `{after: 30s, do: x}`, `{at: field, do: x}` or
    `{every: 30d, do: x, times: 12, until: {...}}`, each optionally with `when: {...}`."""
    if not isinstance(raw, Mapping) or "do" not in raw:
        raise ValueError(f"a timer is a mapping with `do` (a transition): got {raw!r}")
    unknown = set(raw) - _TIMER_KEYS
    if unknown:
        raise ValueError(
            f"timer {raw!r}: unknown key(s) {', '.join(sorted(unknown))}; "
            f"use {', '.join(sorted(_TIMER_KEYS))}"
        )
    if "after" in raw and "at" in raw:
        raise ValueError(f"timer {raw!r}: give `after` or `at`, not both")
    if not {"after", "at", "every"} & set(raw):
        raise ValueError(f"timer {raw!r}: say when, with `after`, `at` or `every`")
    every = parse_duration(raw["every"]) if "every" in raw else None
    if every is not None and every <= 0:
        raise ValueError(f"timer {raw!r}: `every` must be longer than zero")
    repeat_at = raw.get("repeat", False)
    if not isinstance(repeat_at, bool):
        raise ValueError(f"timer {raw!r}: `repeat` is true or false")
    if repeat_at and ("at" not in raw or every is not None):
        raise ValueError(f"timer {raw!r}: `repeat: true` re-arms an `at` timer (not `every`)")
    if every is None and not repeat_at and ("times" in raw or "until" in raw):
        raise ValueError(
            f"timer {raw!r}: `times` and `until` end a repeating (`every`, or `at` with "
            "`repeat: true`) timer"
        )
    times = raw.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise ValueError(f"timer {raw!r}: `times` is a whole number of firings, at least 1")
    for key in ("until", "when"):
        if key in raw:
            if not isinstance(raw[key], Mapping):
                raise ValueError(f"timer {raw!r}: `{key}` is a condition mapping")
            validate_condition(raw[key])
    return TimerRule(
        action=raw["do"],
        after_ms=parse_duration(raw["after"]) if "after" in raw else None,
        at_field=raw.get("at"),
        every_ms=every,
        times=times,
        until=raw.get("until"),
        when=raw.get("when"),
        repeat_at=repeat_at,
    )


def check_machine(machine: Machine) -> None:
    """Raises ValueError when timers name unknown transitions or states, or wait in a
    state nothing can leave."""
    known = ", ".join(machine.transitions) or "none"
    rules = [rule for rules in machine.timers.values() for rule in rules]
    for state, entered in machine.on_enter.items():
        if state not in machine.states:
            raise ValueError(
                f"{machine.name}: on_enter names unknown state {state!r}; "
                f"states: {', '.join(sorted(machine.states))}"
            )
        if state in machine.terminal:
            raise ValueError(f"{machine.name}: on_enter {state!r}: a final state fires nothing")
        for rule in entered:
            if rule.action not in machine.transitions or state not in (
                machine.transitions[rule.action].sources
            ):
                legal = ", ".join(machine.allowed_from(state)) or "none"
                raise ValueError(
                    f"{machine.name}: on_enter {state!r}: {rule.action!r} is not a transition "
                    f"from {state}; allowed: {legal}"
                )
        rules.extend(entered)
    for rule in rules:
        if rule.action not in machine.transitions:
            raise ValueError(
                f"{machine.name}: unknown transition {rule.action!r}; {machine.name} has {known}"
            )


# -- effects ------------------------------------------------------------------------------


# The canonical text of a request's details; built once (json.dumps builds an encoder per
# call). Its output must not change: stored fingerprints are compared with new ones.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


def fingerprint(details: Mapping[str, Any]) -> str:
    """A digest of what a request asked for, stored with what it created, to tell a retry
    (the same reference, the same details) from a reused reference."""
    return hashlib.sha256(_CANONICAL.encode(details).encode()).hexdigest()


@dataclass(frozen=True)
class Draft:
    """A new resource as a provider's builder prepares it, before the engine stores it."""

    kind: str
    id: str
    data: dict[str, Any]
    ref: str | None = None
    parent: str | None = None


@dataclass(frozen=True)
class EffectContext:
    """What an effect may use: the instant of the transition, the seeded id source, the
    parameters the caller gave (a refund's amount, from the control API) and `create` for
    child resources."""

    at: int
    ids: IdGenerator
    engine: "Engine | None" = None
    record: Record | None = None  # the resource the transition applies to
    params: Mapping[str, Any] = field(default_factory=dict)

    def create(
        self, draft: Draft, *, state: str | None = None, outcome: str | None = None
    ) -> Record:
        """Creates a child resource of the transitioning one's provider and tenant, created
        at the transition's instant, in its transaction: the child's outcome, timers and
        created event apply, and it is undone if the transition is."""
        if self.engine is None or self.record is None:
            raise RuntimeError("this effect context cannot create resources")
        return self.engine.create(
            self.record.provider,
            self.record.tenant,
            draft.kind,
            draft.id,
            draft.data,
            ref=draft.ref,
            parent=draft.parent,
            created_at=self.at,
            state=state,
            outcome=outcome,
        )


Effect = Callable[[Record, EffectContext], dict[str, Any]]
"""(record, context) → data fields to change when a transition applies."""


class _Overtaken(Exception):
    """Another writer changed the resource between reading it and writing it."""


class Engine:
    """Creates resources, applies transitions atomically, fires due timers."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        ids: IdGenerator,
        machines: Mapping[str, Mapping[str, Machine]],
        effects: Mapping[str, Mapping[str, Effect]],
    ) -> None:
        self.store = store
        self.clock = clock
        self.ids = ids
        self._defaults = {p: dict(m) for p, m in machines.items()}
        self._overrides: dict[str, dict[str, Machine]] = {}
        self.effects = effects
        # Called with each emitted event inside the transition's transaction (the webhook
        # outbox subscribes here, so a notification is stored with the change that caused it).
        self.subscribers: list[Callable[[Event, Record], None]] = []

    # -- definitions ------------------------------------------------------------------

    def machine(self, provider: str, kind: str) -> Machine:
        """The active definition (a scenario override, else the provider's default);
        raises UnknownKind for a kind the provider does not declare."""
        override = self._overrides.get(provider, {}).get(kind)
        if override is not None:
            return override
        try:
            return self._defaults[provider][kind]
        except KeyError:
            raise UnknownKind(provider, kind) from None

    def default_machine(self, provider: str, kind: str) -> Machine:
        """The provider's own definition, ignoring overrides."""
        return self._defaults[provider][kind]

    def override(self, provider: str, machine: Machine) -> None:
        """Makes `machine` govern resources of its kind created from now on."""
        self._overrides.setdefault(provider, {})[machine.name] = machine

    def clear_overrides(self) -> None:
        """Back to every provider's default machines."""
        self._overrides.clear()

    def kinds(self, provider: str) -> list[str]:
        """The kinds a provider declares in its lifecycle.yaml, in the file's order."""
        return list(self._defaults.get(provider, {}))

    def has_machine(self, provider: str, kind: str) -> bool:
        """True if the provider declares this record kind in its lifecycle.yaml (a record
        kind, which never transitions, included)."""
        return kind in self._defaults.get(provider, {})

    # -- creation ---------------------------------------------------------------------

    def create(
        self,
        provider: str,
        tenant: str,
        kind: str,
        id: str,
        data: dict[str, Any],
        *,
        ref: str | None = None,
        parent: str | None = None,
        created_at: int | None = None,
        state: str | None = None,
        outcome: str | None = None,
    ) -> Record:
        """Stores a new resource in its machine's initial state (or `state`, for seeded
        history), picks its outcome and arms its timers, all in one transaction (the
        caller's, when there is one). Raises DuplicateRef when `ref` is taken."""
        machine = self.machine(provider, kind)
        if state is not None and state not in machine.states:
            raise ValueError(
                f"{kind} has no state {state!r}; states: {', '.join(sorted(machine.states))}"
            )
        created = self.clock.now_ms() if created_at is None else created_at
        chosen = outcome or machine.outcome_for(data)
        record = Record(
            provider=provider,
            tenant=tenant,
            kind=kind,
            id=id,
            state=state or machine.initial,
            data={**data, "_outcome": chosen} if chosen else dict(data),
            created_at=created,
            ref=ref,
            parent=parent,
        )
        # No savepoint of its own: the insert is the first write, and the error a caller
        # catches (DuplicateRef) comes from it, undone by SQLite; anything later fails the
        # caller's whole transaction.
        with self.store.transaction(savepoint=False):
            self.store.insert(record)
            if record.state not in machine.terminal:
                for rule in machine.timers_for(chosen):
                    self._arm(rule, record, created, None)
                for rule in machine.on_enter.get(record.state, ()):
                    self._arm(rule, record, created, record.state)
            if machine.created_event and state is None:
                self._emit(machine.created_event, record, created)
        return record

    def _arm(self, rule: TimerRule, record: Record, since: int, state: str | None) -> None:
        if rule.when is not None and not matches(rule.when, record.data):
            return
        if rule.until is not None and matches(rule.until, record.data):
            return
        due = rule.first_due(record, since)
        if due is not None:
            self.store.schedule(
                Timer(
                    due,
                    record.provider,
                    record.tenant,
                    record.kind,
                    record.id,
                    rule.action,
                    state=state,
                    repeat=rule.repeat(),
                )
            )

    # -- transitions ------------------------------------------------------------------

    def apply(
        self,
        provider: str,
        tenant: str,
        kind: str,
        id: str,
        action: str,
        *,
        at: int | None = None,
        changes: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Record:
        """Applies a named transition now (or at `at`, for timers). Exactly one of several
        concurrent callers can move a resource out of a state; the others see the new state
        and get IllegalTransition if the move is no longer legal."""
        when = self.clock.now_ms() if at is None else at
        while True:
            record = self.store.get(provider, tenant, kind, id)
            if record is None:
                raise NotFound(kind, id)
            updated = self._try(record, action, when, changes, params or {})
            if updated is not None:
                return updated

    def _try(
        self,
        record: Record,
        action: str,
        when: int,
        changes: Mapping[str, Any] | None,
        params: Mapping[str, Any],
    ) -> Record | None:
        machine = self.machine(record.provider, record.kind)
        transition = machine.transitions.get(action)
        if transition is None or record.state not in transition.sources:
            raise IllegalTransition(record, action, machine.allowed_from(record.state))
        try:
            # The effect runs inside the transaction: what it creates (child resources,
            # their timers and events) commits with the transition or not at all.
            with self.store.transaction():
                data = dict(record.data)
                if transition.effect:
                    effect = self.effects[record.provider][transition.effect]
                    ids = self.ids.scoped(record.provider, record.tenant)
                    context = EffectContext(
                        at=when, ids=ids, engine=self, record=record, params=params
                    )
                    data.update(effect(record, context))
                if changes:
                    data.update(changes)
                target, event = transition.resolve(data)
                updated = self.store.compare_and_set(record, target, data)
                if updated is None:
                    raise _Overtaken
                if target != record.state:
                    if record.state in machine.on_enter:
                        self.store.cancel_timers(
                            record.provider, record.tenant, record.kind, record.id, record.state
                        )
                    if target not in machine.terminal:
                        for rule in machine.on_enter.get(target, ()):
                            self._arm(rule, updated, when, target)
                    if not machine.allowed_from(target):
                        # Nothing moves it on from here: its timers (an expiry armed at
                        # creation, say) could only fire into refusals.
                        self.store.cancel_timers(
                            record.provider, record.tenant, record.kind, record.id, None
                        )
                if event:
                    self._emit(event, updated, when)
        except _Overtaken:
            return None
        return updated

    def _emit(self, name: str, record: Record, at: int) -> None:
        event = Event(
            name=name,
            provider=record.provider,
            tenant=record.tenant,
            kind=record.kind,
            resource_id=record.id,
            at=at,
            state=record.state,
            data={k: v for k, v in record.data.items() if not k.startswith("_")},
        )
        self.store.append_event(event)
        for subscriber in self.subscribers:
            subscriber(event, record)

    def allowed(self, record: Record) -> list[str]:
        """Transitions legal from the record's current state."""
        return self.machine(record.provider, record.kind).allowed_from(record.state)

    # -- time -------------------------------------------------------------------------

    def fire_due(self, now: int | None = None) -> int:
        """Fires every timer due by `now`, earliest first, each at its own due instant
        (so a payment completed during a one-hour clock advance says when it completed).
        A timer whose transition raises is undone on its own and kept as a dead timer with
        the error. Returns how many transitions applied."""
        limit = self.clock.now_ms() if now is None else now
        applied = 0
        while True:
            batch = self.store.due_timers(limit)
            if not batch:
                return applied
            for timer in batch:
                # Claim and transition commit together, so a crash cannot lose the timer.
                with self.store.transaction():
                    if not self.store.claim_timer(timer):
                        continue  # another worker fired it
                    try:
                        with self.store.transaction():  # a savepoint: undone alone on error
                            applied += self._fire(timer)
                    except Exception as exc:
                        log.error(
                            "timer %s (%s %s of %s %s) failed; kept as a dead timer",
                            timer.seq,
                            timer.action,
                            timer.kind,
                            timer.provider,
                            timer.resource_id,
                            exc_info=True,
                        )
                        error = f"{type(exc).__name__}: {exc}"
                        self.store.bury_timer(timer, self.clock.now_ms(), error)

    def _fire(self, timer: Timer) -> int:
        """Applies one claimed timer and re-arms it if it repeats; 1 if it applied."""
        record = self.store.get(timer.provider, timer.tenant, timer.kind, timer.resource_id)
        if record is None or (timer.state is not None and record.state != timer.state):
            return 0  # gone, or armed for a state the resource has left
        repeat = timer.repeat
        if repeat and repeat.get("until") and matches(repeat["until"], record.data):
            return 0
        try:
            updated = self.apply(
                timer.provider,
                timer.tenant,
                timer.kind,
                timer.resource_id,
                timer.action,
                at=timer.due_at,
            )
        except (IllegalTransition, NotFound):
            return 0  # overtaken by another transition: nothing to do
        if repeat:
            self._rearm(timer, repeat, updated)
        return 1

    def _rearm(self, timer: Timer, repeat: dict[str, Any], updated: Record) -> None:
        left = repeat.get("left")
        if left is not None:
            left -= 1
            if left <= 0:
                return
        if repeat.get("until") and matches(repeat["until"], updated.data):
            return
        if timer.state is not None and updated.state != timer.state:
            return  # the transition left the state the timer belongs to
        if not self.machine(timer.provider, timer.kind).allowed_from(updated.state):
            return  # nothing moves it on from here
        if "at" in repeat:
            due = updated.data.get(repeat["at"])
            if isinstance(due, bool) or not isinstance(due, (int, float)) or due <= timer.due_at:
                return  # the data name no later instant: the schedule is over
            next_due = int(due)
        else:
            next_due = timer.due_at + repeat["every"]
        self.store.schedule(
            Timer(
                next_due,
                timer.provider,
                timer.tenant,
                timer.kind,
                timer.resource_id,
                timer.action,
                state=timer.state,
                repeat={**repeat, "left": left},
            )
        )
