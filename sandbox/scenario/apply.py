"""Turning a scenario into sandbox behaviour: fixtures in the store, lifecycle overrides in
the engine, fault rules for the fault middleware."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any, Mapping

from sandbox.errors import ApiError
from sandbox.faults import FaultRule, Trigger
from sandbox.lifecycle import (
    LifecycleError,
    Machine,
    check_machine,
    outcome_rules,
    parse_duration,
    timer_rules,
)
from sandbox.matching import validate_condition
from sandbox.scenario.model import CONTROL, Scenario, ScenarioError
from sandbox.scenario.requests import request_problems
from sandbox.store import DuplicateRef
from sandbox.webhooks import WebhookFault

if TYPE_CHECKING:
    from sandbox.providers.base import Tenant
    from sandbox.runtime import Runtime

_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 token
_HEADER_VALUE = re.compile(r"^[\t\x20-\x7e\x80-\xff]*$")  # no CR, LF or other controls


def _provider(rt: "Runtime", scenario: Scenario, item: dict[str, Any], where: str) -> str:
    name = item.get("provider") or scenario.provider
    if name is None:
        raise ScenarioError([f"{scenario.source}: {where}: name a provider (here or at the top)"])
    if name not in rt.providers:
        raise ScenarioError(
            [
                f"{scenario.source}: {where}: unknown provider {name!r}; "
                f"choose from {', '.join(rt.providers)}"
            ]
        )
    return name


def _tenant(
    rt: "Runtime", scenario: Scenario, provider: str, tenant_id: str | None, where: str
) -> "Tenant":
    if tenant_id is None:
        return rt.tenants[provider][0]
    try:
        return rt.tenant(provider, tenant_id)
    except KeyError:
        known = ", ".join(t.id for t in rt.tenants[provider])
        raise ScenarioError(
            [
                f"{scenario.source}: {where}: {provider} has no tenant "
                f"{tenant_id!r}; choose from {known}"
            ]
        ) from None


def overrides(rt: "Runtime", scenario: Scenario) -> list[tuple[str, Machine]]:
    """The machines a scenario overrides, built on the currently active definitions."""
    built = []
    for index, spec in enumerate(scenario.section("lifecycle")):
        where = f"lifecycle/{index}"
        provider = _provider(rt, scenario, spec, where)
        if not rt.engine.has_machine(provider, spec["machine"]):
            raise ScenarioError(
                [f"{scenario.source}: {where}: {provider} has no machine {spec['machine']!r}"]
            )
        base = rt.engine.machine(provider, spec["machine"])
        try:
            machine = dataclasses.replace(
                base,
                outcomes=outcome_rules(spec.get("outcomes")) + base.outcomes,
                timers={**base.timers, **timer_rules(spec.get("timers"))},
                on_enter={**base.on_enter, **timer_rules(spec.get("on_enter"))},
            )
            check_machine(machine)
        except ValueError as exc:
            raise ScenarioError([f"{scenario.source}: {where}: {exc}"]) from None
        built.append((provider, machine))
    return built


def fault_rules(rt: "Runtime", scenario: Scenario) -> list[FaultRule]:
    """The scenario's fault rules, each with a stable key for its counters."""
    rules = []
    for index, fault in enumerate(scenario.section("faults")):
        match = fault["match"]
        provider = _provider(rt, scenario, match, f"faults/{index}")
        respond = fault.get("respond") or {}
        limit = fault.get("rate_limit")
        try:
            for condition in (match.get("body"), match.get("query")):
                validate_condition(condition)
            latency = parse_duration(fault["latency"]) if "latency" in fault else 0
            window = (limit["limit"], parse_duration(limit["per"])) if limit else None
            _check_latency(latency, rt.config.max_fault_latency_seconds)
            _check_headers(respond.get("headers") or {})
        except ValueError as exc:
            raise ScenarioError([f"{scenario.source}: faults/{index}: {exc}"]) from None
        if window is not None and window[1] <= 0:
            raise ScenarioError(
                [f"{scenario.source}: faults/{index}: rate_limit.per must be longer than zero"]
            )
        rules.append(
            FaultRule(
                trigger=Trigger.from_rule(f"{scenario.name}#{index}", fault),
                provider=provider,
                method=match.get("method"),
                path=match.get("path"),
                operation=match.get("operation"),
                tenant=match.get("tenant"),
                body=match.get("body"),
                query=match.get("query"),
                status=respond.get("status"),
                code=respond.get("code"),
                message=respond.get("message"),
                headers=respond.get("headers") or {},
                latency_ms=latency,
                drop=bool(fault.get("drop")),
                malformed=bool(fault.get("malformed")),
                rate_limit=window,
            )
        )
    return rules


def _check_latency(latency_ms: int, max_seconds: float) -> None:
    # Latency is real time spent holding a connection: a typo of "1d" must not hold
    # requests (and server resources) for a day.
    if latency_ms > max_seconds * 1000:
        raise ValueError(
            f"latency of {latency_ms / 1000:g}s is longer than the maximum of {max_seconds:g}s "
            "(max_fault_latency_seconds)"
        )


def _check_headers(headers: Mapping[str, Any]) -> None:
    # A line break in a header would split the response (or make the server drop it).
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            raise ValueError(f"respond.headers: {str(name)[:60]!r} is not a valid header name")
        if not isinstance(value, str) or not _HEADER_VALUE.match(value):
            raise ValueError(
                f"respond.headers.{name}: the value must be one line of text "
                "(no CR, LF or other control characters)"
            )


def webhook_faults(rt: "Runtime", scenario: Scenario) -> list[WebhookFault]:
    """The scenario's rules for webhook deliveries."""
    rules = []
    for index, rule in enumerate(scenario.section("webhooks")):
        where = f"webhooks/{index}"
        match = rule.get("match") or {}
        provider = _provider(rt, scenario, match, where)
        if rt.providers[provider].webhooks is None:
            raise ScenarioError([f"{scenario.source}: {where}: {provider} sends no webhooks"])
        try:
            validate_condition(match.get("body"))
            timing = {
                key: parse_duration(rule[key])
                for key in ("delay", "reorder", "replay")
                if key in rule
            }
        except ValueError as exc:
            raise ScenarioError([f"{scenario.source}: {where}: {exc}"]) from None
        rules.append(
            WebhookFault(
                trigger=Trigger.from_rule(f"{scenario.name}#webhooks{index}", rule),
                provider=provider,
                tenant=match.get("tenant"),
                event=match.get("event"),
                body=match.get("body"),
                duplicate=rule.get("duplicate", 0),
                delay_ms=timing.get("delay", 0),
                reorder_ms=timing.get("reorder", 0),
                replay_ms=timing.get("replay"),
                tamper=bool(rule.get("tamper")),
                drop_signature=bool(rule.get("drop_signature")),
            )
        )
    return rules


def check_steps(rt: "Runtime", scenario: Scenario) -> None:
    """Steps run later, over HTTP; their providers and tenants must exist now."""
    if scenario.provider is not None:
        _provider(rt, scenario, {}, "provider")
    for index, step in enumerate(scenario.section("steps")):
        expect = step.get("expect") or {}
        try:
            validate_condition(expect.get("json"))
            validate_condition(expect.get("headers"))
        except ValueError as exc:
            raise ScenarioError([f"{scenario.source}: steps/{index}/expect: {exc}"]) from None
        action = step.get("request") or step.get("simulate") or step.get("wait_for_webhook")
        if action is None or action.get("provider") == CONTROL:
            continue
        provider = _provider(rt, scenario, action, f"steps/{index}")
        if action.get("tenant") is not None:
            _tenant(rt, scenario, provider, action["tenant"], f"steps/{index}")


def create_fixtures(rt: "Runtime", scenario: Scenario) -> dict[str, str]:
    """Creates the scenario's fixtures (one transaction); returns save_as name → id."""
    saved: dict[str, str] = {}
    with rt.store.transaction():
        for index, fixture in enumerate(scenario.section("fixtures")):
            where = f"fixtures/{index}"
            record_id = _create_fixture(rt, scenario, fixture, where)
            if fixture.get("save_as"):
                saved[fixture["save_as"]] = record_id
    return saved


def _create_fixture(rt: "Runtime", scenario: Scenario, fixture: dict[str, Any], where: str) -> str:
    provider = _provider(rt, scenario, fixture, where)
    tenant = _tenant(rt, scenario, provider, fixture.get("tenant"), where)
    builders = rt.providers[provider].builders
    kind = fixture["kind"]
    if kind not in builders:
        raise ScenarioError(
            [
                f"{scenario.source}: {where}: {provider} cannot create {kind!r}; "
                f"kinds: {', '.join(builders) or 'none'}"
            ]
        )
    creates = rt.providers[provider].creates
    if kind not in creates:
        raise ScenarioError(
            [f"{scenario.source}: {where}: {provider} names no operation that creates {kind!r}"]
        )
    operation = creates[kind]
    # None: no API operation creates this kind (payouts, read-only records); its builder
    # checks the body itself.
    problems = [] if operation is None else request_problems(provider, operation, fixture["body"])
    if problems:
        raise ScenarioError([f"{scenario.source}: {where}/body: {problem}" for problem in problems])
    try:
        created = rt.clock.now_ms() - (parse_duration(fixture["ago"]) if "ago" in fixture else 0)
        draft = builders[kind](rt, tenant, fixture["body"], created)
        record = rt.engine.create(
            provider,
            tenant.id,
            draft.kind,
            draft.id,
            draft.data,
            ref=draft.ref,
            parent=draft.parent,
            created_at=created,
        )
        target = fixture.get("state")
        if target and target != record.state:
            machine = rt.engine.machine(provider, draft.kind)
            path = machine.path_to(record.state, target)
            if path is None:
                raise ScenarioError(
                    [
                        f"{scenario.source}: {where}: {draft.kind} cannot reach "
                        f"state {target!r}; states: {', '.join(sorted(machine.states))}"
                    ]
                )
            for action in path:
                rt.engine.apply(provider, tenant.id, draft.kind, draft.id, action, at=created)
    except KeyError as exc:
        raise ScenarioError([f"{scenario.source}: {where}: body lacks {exc}"]) from None
    except DuplicateRef as exc:
        raise ScenarioError([f"{scenario.source}: {where}: {exc}; use another reference"]) from None
    except (ApiError, LifecycleError, ValueError) as exc:
        if isinstance(exc, ScenarioError):
            raise
        raise ScenarioError([f"{scenario.source}: {where}: {exc}"]) from None
    return record.id
