"""The lifecycle engine: state machines as data, enforced by compare-and-set.

A provider describes its machines in `lifecycle.yaml` next to its code:

    upi_collect:                      # machine name = stored record kind
      initial: pending
      terminal: [completed, failed, expired, cancelled]
      transitions:
        complete: {from: [pending, processing], to: completed,
                   event: PaymentCompleted, effect: payment_completed}
      outcomes:                       # chosen once at creation; first match wins
        - {when: {remitter_vpa_handle: success@upi}, outcome: success}
        - {outcome: no_payer}
      timers:                         # scheduled at creation, per outcome ("always": all)
        success: [{after: 10s, do: process}, {after: 30s, do: complete}]
        always: [{at: expires_at, do: expire}]   # `at` names a data field holding epoch ms

Timers that are no longer legal when they fall due (a payment already completed cannot
expire) are dropped. Effects are provider functions, named in the data, that compute the
data changes a transition makes (stamping `completed_at`, drawing a UTR…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from sandbox.clock import Clock
from sandbox.ids import IdGenerator
from sandbox.matching import matches, validate_condition
from sandbox.store import Event, Record, Store, Timer

_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def parse_duration(value: str | int | float) -> int:
    """`"90s"`, `"5m"`, `"1.5h"`, `"4m59s"` or a number of seconds → milliseconds."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, (int, float)):
        return round(value * 1000)
    text = str(value).strip()
    if not _DURATION.match(text):
        raise ValueError(f"not a duration: {value!r} (use e.g. 500ms, 30s, 5m, 2h, 1d, 4m59s)")
    return round(
        sum(float(amount) * _UNIT_MS[unit] for amount, unit in _DURATION_PART.findall(text))
    )


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
    branches: tuple[tuple[Mapping[str, Any], str], ...] = ()

    def target_for(self, data: Mapping[str, Any]) -> str:
        """The state this transition leads to, given the resource's data after it."""
        for condition, state in self.branches:
            if matches(condition, data):
                return state
        return self.target


@dataclass(frozen=True)
class TimerRule:
    """`do` a transition `after` a delay from creation, or `at` a data field's instant."""

    action: str
    after_ms: int | None = None
    at_field: str | None = None


@dataclass(frozen=True)
class OutcomeRule:
    """Selects an outcome for a new resource whose data matches `when`."""

    outcome: str
    when: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Machine:
    """One state machine definition."""

    name: str
    initial: str
    terminal: frozenset[str]
    transitions: Mapping[str, Transition]
    outcomes: tuple[OutcomeRule, ...] = ()
    timers: Mapping[str, tuple[TimerRule, ...]] = field(default_factory=dict)
    created_event: str | None = None

    @property
    def states(self) -> frozenset[str]:
        """Every state the machine can be in."""
        found = {self.initial, *self.terminal}
        for transition in self.transitions.values():
            found |= transition.sources | {transition.target}
            found |= {state for _, state in transition.branches}
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


def load_machines(path: Path) -> dict[str, Machine]:
    """Reads a provider's lifecycle YAML into machine definitions (validated)."""
    raw = yaml.safe_load(path.read_text()) or {}
    return {name: machine_from_dict(name, spec) for name, spec in raw.items()}


def machine_from_dict(name: str, spec: Mapping[str, Any]) -> Machine:
    """Builds and checks one machine from its YAML mapping."""
    transitions = {
        tname: transition_from_dict(tname, t)
        for tname, t in (spec.get("transitions") or {}).items()
    }
    outcomes = tuple(
        OutcomeRule(outcome=o["outcome"], when=o.get("when") or {})
        for o in spec.get("outcomes") or ()
    )
    for rule in outcomes:
        validate_condition(rule.when)
    timers = {
        outcome: tuple(timer_rule(t) for t in rules)
        for outcome, rules in (spec.get("timers") or {}).items()
    }
    for rules in timers.values():
        for rule in rules:
            if rule.action not in transitions:
                raise ValueError(f"{name}: timer uses unknown transition {rule.action!r}")
    return Machine(
        name=name,
        initial=spec["initial"],
        terminal=frozenset(spec.get("terminal") or ()),
        transitions=transitions,
        outcomes=outcomes,
        timers=timers,
        created_event=spec.get("created_event"),
    )


def transition_from_dict(name: str, raw: Mapping[str, Any]) -> Transition:
    """One transition: `to` is a state, or a list of `{when: condition, to: state}` tried in
    order whose last entry has no `when` (the default)."""
    to = raw["to"]
    branches: list[tuple[Mapping[str, Any], str]] = []
    if isinstance(to, list):
        *conditional, default = to
        if not to or "when" in default:
            raise ValueError(f"transition {name!r}: the last `to` entry must have no `when`")
        for entry in conditional:
            validate_condition(entry["when"])
            branches.append((entry["when"], entry["to"]))
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
    """One timer from its YAML mapping: `{after: 30s, do: x}` or `{at: field, do: x}`."""
    if "at" in raw:
        return TimerRule(action=raw["do"], at_field=raw["at"])
    return TimerRule(action=raw["do"], after_ms=parse_duration(raw["after"]))


@dataclass(frozen=True)
class EffectContext:
    """What an effect may use: the instant of the transition, the seeded id source and the
    parameters the caller gave (e.g. a refund's amount, from the control API)."""

    at: int
    ids: IdGenerator
    params: Mapping[str, Any] = field(default_factory=dict)


Effect = Callable[[Record, EffectContext], dict[str, Any]]
"""(record, context) → data fields to change when a transition applies."""


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
        """The active definition (a scenario override, else the provider's default)."""
        override = self._overrides.get(provider, {}).get(kind)
        return override or self._defaults[provider][kind]

    def default_machine(self, provider: str, kind: str) -> Machine:
        """The provider's own definition, ignoring overrides."""
        return self._defaults[provider][kind]

    def override(self, provider: str, machine: Machine) -> None:
        """Makes `machine` govern resources of its kind created from now on."""
        self._overrides.setdefault(provider, {})[machine.name] = machine

    def clear_overrides(self) -> None:
        """Back to every provider's default machines."""
        self._overrides.clear()

    def has_machine(self, provider: str, kind: str) -> bool:
        """True if the provider defines a machine for this record kind."""
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
        history), picks its outcome and schedules its timers, all in one transaction.
        Raises DuplicateRef when `ref` is taken."""
        machine = self.machine(provider, kind)
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
        with self.store.transaction():
            self.store.insert(record)
            if record.state not in machine.terminal:
                for rule in machine.timers_for(chosen):
                    due = self._due(rule, record)
                    if due is not None:
                        self.store.schedule(Timer(due, provider, tenant, kind, id, rule.action))
            if machine.created_event and state is None:
                self._emit(machine.created_event, record, created)
        return record

    @staticmethod
    def _due(rule: TimerRule, record: Record) -> int | None:
        if rule.at_field is not None:
            value = record.data.get(rule.at_field)
            return int(value) if isinstance(value, (int, float)) else None
        return record.created_at + (rule.after_ms or 0)

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
        data = dict(record.data)
        if transition.effect:
            effect = self.effects[record.provider][transition.effect]
            data.update(effect(record, EffectContext(at=when, ids=self.ids, params=params)))
        if changes:
            data.update(changes)
        with self.store.transaction():
            updated = self.store.compare_and_set(record, transition.target_for(data), data)
            if updated is not None and transition.event:
                self._emit(transition.event, updated, when)
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
        Returns how many transitions applied."""
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
                        self.apply(
                            timer.provider,
                            timer.tenant,
                            timer.kind,
                            timer.resource_id,
                            timer.action,
                            at=timer.due_at,
                        )
                        applied += 1
                    except (IllegalTransition, NotFound):
                        pass  # overtaken by another transition: nothing to do
