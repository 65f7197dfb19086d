"""Turning a scenario into sandbox behaviour: fixtures in the store, lifecycle overrides in
the engine, fault rules for the fault middleware."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from sandbox.errors import ApiError
from sandbox.faults import FaultRule, Trigger
from sandbox.lifecycle import LifecycleError, Machine, OutcomeRule, parse_duration, timer_rule
from sandbox.matching import validate_condition
from sandbox.scenario.model import CONTROL, Scenario, ScenarioError
from sandbox.store import DuplicateRef
from sandbox.webhooks import WebhookFault

if TYPE_CHECKING:
    from sandbox.providers.base import Tenant
    from sandbox.runtime import Runtime


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
            for rule in spec.get("outcomes") or ():
                validate_condition(rule.get("when"))
            timers = {
                outcome: tuple(timer_rule(t) for t in rules)
                for outcome, rules in (spec.get("timers") or {}).items()
            }
        except ValueError as exc:
            raise ScenarioError([f"{scenario.source}: {where}: {exc}"]) from None
        for rules in timers.values():
            for rule in rules:
                if rule.action not in base.transitions:
                    raise ScenarioError(
                        [
                            f"{scenario.source}: {where}: unknown transition {rule.action!r}; "
                            f"{base.name} has {', '.join(base.transitions)}"
                        ]
                    )
        outcomes = tuple(
            OutcomeRule(outcome=o["outcome"], when=o.get("when") or {})
            for o in spec.get("outcomes") or ()
        )
        built.append(
            (
                provider,
                dataclasses.replace(
                    base, outcomes=outcomes + base.outcomes, timers={**base.timers, **timers}
                ),
            )
        )
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
    created = rt.clock.now_ms() - (parse_duration(fixture["ago"]) if "ago" in fixture else 0)
    try:
        record = rt.create_resource(
            provider, tenant, kind, fixture["body"], created, fixture.get("state")
        )
    except KeyError as exc:
        raise ScenarioError([f"{scenario.source}: {where}: body lacks {exc}"]) from None
    except DuplicateRef as exc:
        raise ScenarioError([f"{scenario.source}: {where}: {exc}; use another reference"]) from None
    except (ApiError, LifecycleError, ValueError) as exc:
        if isinstance(exc, ScenarioError):
            raise
        raise ScenarioError([f"{scenario.source}: {where}: {exc}"]) from None
    return record.id
