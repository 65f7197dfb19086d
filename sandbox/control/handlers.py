"""Handlers of `specs/sandbox.yaml`; each operationId is a function here."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from connexion import request

from sandbox.asgi import RAW_BODY
from sandbox.clock import iso_z
from sandbox.console.catalog import provider_info
from sandbox.context import current
from sandbox.errors import NOT_FOUND, ApiError
from sandbox.lifecycle import parse_duration
from sandbox.runtime import LoadedScenario, Runtime
from sandbox.scenario import model as scenario_model
from sandbox.scenario.model import Limits, ScenarioError, ScenarioTooLarge
from sandbox.scenario.requests import BodyProblems
from sandbox.store import (
    BadCursor,
    DeadTimer,
    Delivery,
    DuplicateRef,
    Event,
    JournalEntry,
    Record,
    Timer,
)
from sandbox.webhooks import endpoint as webhook_endpoint


def _clock(rt: Runtime) -> dict[str, Any]:
    now = rt.clock.now_ms()
    return {
        "now": iso_z(now),
        "now_ms": now,
        "start": iso_z(rt.clock.start_ms),
        "frozen": rt.clock.frozen,
    }


def _entry(entry: JournalEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": iso_z(entry.at),
        "provider": entry.provider,
        "method": entry.method,
        "path": entry.path,
        "query": entry.query,
        "status": entry.status,
        "duration_ms": entry.duration_ms,
        "request_headers": entry.request_headers,
        "request_body": entry.request_body,
        "response_headers": entry.response_headers,
        "response_body": entry.response_body,
    }


def _event(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "name": event.name,
        "provider": event.provider,
        "tenant": event.tenant,
        "kind": event.kind,
        "resource_id": event.resource_id,
        "at": iso_z(event.at),
        "state": event.state,
        "data": event.data,
    }


def _resource(rt: Runtime, record: Record) -> dict[str, Any]:
    lifecycle = rt.engine.has_machine(record.provider, record.kind)
    return {
        "provider": record.provider,
        "tenant": record.tenant,
        "kind": record.kind,
        "id": record.id,
        "state": record.state,
        "version": record.version,
        "created_at": iso_z(record.created_at),
        "outcome": record.data.get("_outcome"),
        "allowed_events": rt.engine.allowed(record) if lifecycle else [],
        "scheduled": [
            {"at": iso_z(t.due_at), "event": t.action}
            for t in rt.store.timers_for(record.provider, record.id)
            if (t.tenant, t.kind) == (record.tenant, record.kind)
        ],
        "data": {k: v for k, v in record.data.items() if not k.startswith("_")},
    }


def _find(
    rt: Runtime,
    provider: str,
    resource_id: str,
    tenant: str | None = None,
    kind: str | None = None,
) -> Record:
    """The one resource an id (narrowed by tenant and kind when given) names; 409 listing
    the candidates when it names several (ids are unique per tenant and kind only)."""
    found = (
        rt.store.find_all(provider, resource_id, tenant=tenant, kind=kind)
        if provider in rt.providers
        else []
    )
    if not found:
        narrowed = "".join(
            f" {name} {value!r}" for name, value in (("tenant", tenant), ("kind", kind)) if value
        )
        raise ApiError(404, NOT_FOUND, f"No {provider} resource with id {resource_id!r}{narrowed}.")
    if len(found) > 1:
        listed = ", ".join(f"{r.kind} of tenant {r.tenant}" for r in found)
        raise ApiError(
            409,
            "conflict",
            f"{len(found)} {provider} resources have id {resource_id!r} ({listed}); "
            "name one with `tenant` (and `kind`).",
            details={"matches": [{"tenant": r.tenant, "kind": r.kind} for r in found]},
        )
    return found[0]


async def reset() -> dict[str, Any]:
    rt = current()
    rt.reset()
    return {"status": "reset", "clock": _clock(rt)}


async def get_credentials() -> dict[str, Any]:
    rt = current()
    return {
        name: [
            {**t.to_dict(), "headers": dict(rt.providers[name].client_headers(t))} for t in tenants
        ]
        for name, tenants in rt.tenants.items()
    }


async def get_clock() -> dict[str, Any]:
    return _clock(current())


async def advance_clock(body: dict[str, Any]) -> dict[str, Any]:
    rt = current()
    try:
        fired = rt.advance(body["seconds"])
    except ValueError as exc:  # past the latest instant the clock can show
        raise ApiError(400, "validation_error", f"{exc}.", field="seconds") from None
    return {**_clock(rt), "fired": fired}


async def freeze_clock() -> dict[str, Any]:
    rt = current()
    rt.freeze_clock(True)
    return _clock(rt)


async def resume_clock() -> dict[str, Any]:
    rt = current()
    rt.freeze_clock(False)
    return _clock(rt)


async def list_requests(
    provider: str | None = None,
    path: str | None = None,
    status: int | None = None,
    method: str | None = None,
    limit: int = 100,
    after: int = 0,
) -> dict[str, Any]:
    entries = current().store.journal(
        provider=provider, path=path, status=status, method=method, limit=limit, after=after
    )
    return {"data": [_entry(e) for e in entries]}


async def clear_requests() -> tuple[None, int]:
    current().store.journal_clear()
    return None, 204


async def list_events(
    provider: str | None = None, resource_id: str | None = None, after: int = 0, limit: int = 100
) -> dict[str, Any]:
    events = current().store.events(
        provider=provider, resource_id=resource_id, after_seq=after, limit=limit
    )
    return {"data": [_event(e) for e in events]}


def _timer(timer: Timer, dead: DeadTimer | None = None) -> dict[str, Any]:
    repeat = timer.repeat
    return {
        "seq": timer.seq,
        "status": "scheduled" if dead is None else "dead",
        "provider": timer.provider,
        "tenant": timer.tenant,
        "kind": timer.kind,
        "resource_id": timer.resource_id,
        "event": timer.action,
        "due_at": iso_z(timer.due_at),
        "armed_in": timer.state,
        "repeat": None
        if repeat is None
        else {
            "every_ms": repeat.get("every"),
            "at": repeat.get("at"),
            "left": repeat["left"],
            "until": repeat["until"],
        },
        "failed_at": None if dead is None else iso_z(dead.failed_at),
        "error": None if dead is None else dead.error,
    }


async def list_timers(
    state: str = "scheduled",
    provider: str | None = None,
    resource_id: str | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    store = current().store
    if state == "dead":
        dead = store.dead_timers(provider=provider, resource_id=resource_id, limit=limit)
        return {"data": [_timer(d.timer, d) for d in dead]}
    timers = store.scheduled_timers(provider=provider, resource_id=resource_id, limit=limit)
    return {"data": [_timer(t) for t in timers]}


async def retry_timer(seq: int) -> dict[str, Any]:
    rt = current()
    if not rt.store.revive_timer(seq, rt.clock.now_ms()):
        raise ApiError(404, NOT_FOUND, f"No dead timer {seq}.")
    return {"fired": rt.tick()}


async def simulate(body: dict[str, Any]) -> dict[str, Any]:
    rt = current()
    record = _find(rt, body["provider"], body["resource_id"], body.get("tenant"), body.get("kind"))
    if (
        not rt.engine.has_machine(record.provider, record.kind)
        or rt.engine.machine(record.provider, record.kind).record
    ):
        raise ApiError(
            409,
            "conflict",
            f"{record.kind} {record.id} has no lifecycle to drive.",
            details={"state": record.state, "allowed": []},
        )
    updated = rt.engine.apply(
        record.provider,
        record.tenant,
        record.kind,
        record.id,
        body["event"],
        params=body.get("params") or {},
    )
    return _resource(rt, updated)


async def create_resource(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    rt = current()
    name = body["provider"]
    provider = rt.providers.get(name)
    if provider is None:
        raise ApiError(
            404, NOT_FOUND, f"No provider {name!r}; providers: {', '.join(rt.providers)}."
        )
    try:
        tenant = rt.tenant(name, body["tenant"]) if "tenant" in body else rt.tenants[name][0]
    except KeyError:
        ids = ", ".join(t.id for t in rt.tenants[name])
        raise ApiError(
            404, NOT_FOUND, f"{name} has no tenant {body['tenant']!r}; tenants: {ids}."
        ) from None
    try:
        created = rt.clock.now_ms() - (parse_duration(body["ago"]) if "ago" in body else 0)
        record = rt.create_resource(
            name, tenant, body["kind"], body["body"], created, body.get("state")
        )
    except BodyProblems as exc:
        raise ApiError(
            400, "validation_error", "body: " + "; ".join(exc.problems), field="body"
        ) from None
    except KeyError as exc:
        raise ApiError(400, "validation_error", f"body lacks {exc}.", field="body") from None
    except DuplicateRef as exc:
        raise ApiError(409, "conflict", f"{exc}; use another reference.") from None
    except ValueError as exc:
        raise ApiError(400, "validation_error", str(exc)) from None
    return _resource(rt, record), 201


async def list_providers() -> dict[str, Any]:
    rt = current()
    return {"data": [provider_info(rt, name) for name in rt.providers]}


def listing_query(state: str | None) -> dict[str, Any]:
    """The store query behind `GET /resources`: one state (or all), newest first, which
    the store's listing indexes serve without reading other rows or sorting."""
    return {"where": {"state": state}, "order": "-created_at"}


def _listed_kinds(rt: Runtime, provider: str) -> list[str]:
    """The kinds a provider declares, then the others it stores."""
    declared = rt.engine.kinds(provider)
    stored = {kind for kinds in rt.store.kinds(provider).values() for kind in kinds}
    return declared + sorted(stored - set(declared))


async def list_resources(
    provider: str,
    tenant: str | None = None,
    kind: str | None = None,
    state: str | None = None,
    limit: int = 20,
    after: str | None = None,
) -> dict[str, Any]:
    rt = current()
    if provider not in rt.providers:
        raise ApiError(
            404, NOT_FOUND, f"No provider {provider!r}; providers: {', '.join(rt.providers)}."
        )
    tenants = [t.id for t in rt.tenants[provider]]
    tenant = tenants[0] if tenant is None else tenant
    if tenant not in tenants:
        raise ApiError(
            404, NOT_FOUND, f"{provider} has no tenant {tenant!r}; tenants: {', '.join(tenants)}."
        )
    kinds = _listed_kinds(rt, provider)
    kind = (kinds[0] if kinds else "") if kind is None else kind
    if kind not in kinds:
        raise ApiError(
            404, NOT_FOUND, f"{provider} keeps no {kind!r}; kinds: {', '.join(kinds) or 'none'}."
        )
    try:
        page = rt.store.query(
            provider, tenant, kind, **listing_query(state), limit=limit, after=after
        )
    except BadCursor as exc:
        raise ApiError(400, "validation_error", f"{exc}.", field="after") from None
    return {
        "provider": provider,
        "tenant": tenant,
        "kind": kind,
        "total": page.total,
        "next_cursor": page.next_cursor,
        "data": [_resource(rt, record) for record in page.records],
    }


async def get_resource(
    provider: str, resource_id: str, tenant: str | None = None, kind: str | None = None
) -> dict[str, Any]:
    rt = current()
    return _resource(rt, _find(rt, provider, resource_id, tenant, kind))


def _loaded(entry: LoadedScenario) -> dict[str, Any]:
    scenario = entry.scenario
    return {
        "name": scenario.name,
        "description": scenario.description,
        "source": scenario.source,
        "fixtures": entry.fixtures,
        "overrides": len(scenario.section("lifecycle")),
        "faults": len(scenario.section("faults")),
        "steps": len(scenario.section("steps")),
    }


async def list_scenarios() -> dict[str, Any]:
    return {"data": [_loaded(entry) for entry in current().scenarios.values()]}


_LOADING = threading.Lock()  # one scenario load at a time: names must stay unique


def _parse_and_load(rt: Runtime, body: Any) -> LoadedScenario:
    limits = Limits.of(rt.config)
    if isinstance(body, (bytes, str)):
        text = body.decode() if isinstance(body, bytes) else body
        scenario = scenario_model.parse(text, "<request body>", limits)
    else:
        scenario = scenario_model.from_dict(body, "<request body>")
    with _LOADING:
        return rt.load_scenario(scenario)


async def load_scenario(body: Any) -> tuple[dict[str, Any], int]:
    rt = current()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > rt.config.scenario_max_bytes:
        raise ApiError(
            413,
            "payload_too_large",
            f"The scenario is {int(declared):,} bytes; at most "
            f"{rt.config.scenario_max_bytes:,} are accepted (scenario_max_bytes).",
        )
    try:
        # Parsing, validating and creating fixtures can take seconds for a large document:
        # a worker thread does it, so other clients are served meanwhile.
        loaded = await asyncio.to_thread(_parse_and_load, rt, body)
    except ScenarioError as exc:
        if isinstance(exc, ScenarioTooLarge):
            status, code = 413, "payload_too_large"
        elif "already loaded" in str(exc):
            status, code = 409, "conflict"
        else:
            status, code = 400, "invalid_scenario"
        raise ApiError(status, code, exc.problems[0], details={"problems": exc.problems}) from None
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_scenario", "The scenario is not UTF-8 text.") from None
    return _loaded(loaded), 201


async def unload_scenario(name: str) -> tuple[None, int]:
    try:
        current().unload_scenario(name)
    except KeyError:
        raise ApiError(404, NOT_FOUND, f"No scenario named {name!r} is loaded.") from None
    return None, 204


async def get_scenario_schema() -> dict[str, Any]:
    return scenario_model.schema()


# -- webhooks ---------------------------------------------------------------------------


def _delivery(rt: Runtime, delivery: Delivery) -> dict[str, Any]:
    try:
        payload = json.loads(delivery.body)
    except ValueError:
        payload = None
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "provider": delivery.provider,
        "tenant": delivery.tenant,
        "event": delivery.event,
        "resource_id": delivery.resource_id,
        "url": delivery.url,
        "status": delivery.status,
        "attempts": [
            {
                "number": a.number,
                "at": iso_z(a.at),
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in rt.store.attempts(delivery.id)
        ],
        "created_at": iso_z(delivery.created_at),
        "next_attempt_at": iso_z(delivery.next_attempt_at)
        if delivery.status == "pending"
        else None,
        "delivered_at": None if delivery.delivered_at is None else iso_z(delivery.delivered_at),
        "headers": delivery.headers,
        "body": delivery.body,
        "payload": payload,
    }


async def list_webhooks(
    provider: str | None = None,
    resource_id: str | None = None,
    event: str | None = None,
    status: str | None = None,
    tenant: str | None = None,
    order: str = "oldest",
    limit: int = 100,
) -> dict[str, Any]:
    rt = current()
    found = rt.store.deliveries(
        provider=provider,
        resource_id=resource_id,
        event=event,
        status=status,
        tenant=tenant,
        limit=limit,
        newest_first=order == "newest",
    )
    return {"data": [_delivery(rt, d) for d in found]}


async def deliver_webhooks() -> dict[str, Any]:
    rt = current()
    return {"data": [_delivery(rt, d) for d in await rt.deliver_webhooks()]}


async def redeliver_webhook(delivery_id: str) -> dict[str, Any]:
    rt = current()
    if rt.store.delivery(delivery_id) is None:
        raise ApiError(404, NOT_FOUND, f"No webhook delivery {delivery_id!r}.")
    queued = rt.store.redeliver(delivery_id, rt.clock.now_ms())
    if queued is None:
        raise ApiError(409, "conflict", "That delivery is being sent right now; try again.")
    return _delivery(rt, queued)


def _endpoint_view(rt: Runtime, provider: str, tenant: str) -> dict[str, Any]:
    url, secret = webhook_endpoint(rt, rt.providers[provider], tenant)
    return {"provider": provider, "tenant": tenant, "url": url, "secret": secret}


async def list_webhook_endpoints() -> dict[str, Any]:
    rt = current()
    return {
        "data": [
            _endpoint_view(rt, name, tenant.id)
            for name, provider in rt.providers.items()
            if provider.webhooks
            for tenant in rt.tenants[name]
        ]
    }


async def set_webhook_endpoint(provider: str, tenant: str, body: dict[str, Any]) -> dict[str, Any]:
    rt = current()
    try:
        rt.set_webhook_endpoint(provider, tenant, body["url"], body.get("secret"))
    except KeyError:
        raise ApiError(
            404, NOT_FOUND, f"No {provider} tenant {tenant!r} that receives webhooks."
        ) from None
    except ValueError as exc:  # an endpoint aimed at the sandbox's own control API
        raise ApiError(400, "validation_error", str(exc), field="url") from None
    return _endpoint_view(rt, provider, tenant)


async def delete_webhook_endpoint(provider: str, tenant: str) -> tuple[None, int]:
    if not current().store.delete_endpoint(provider, tenant):
        raise ApiError(404, NOT_FOUND, f"No webhook endpoint set for {provider} {tenant!r}.")
    return None, 204


# -- the test inbox ---------------------------------------------------------------------


def _inbox_status(rt: Runtime, name: str) -> int:
    return rt.store.get_meta(f"inbox_status:{name}") or 200


def _verified_by(rt: Runtime, body: bytes, headers: dict[str, str]) -> str | None:
    for name, provider in rt.providers.items():
        if provider.webhooks is None:
            continue
        for tenant in rt.tenants[name]:
            _, secret = webhook_endpoint(rt, provider, tenant.id)
            if provider.webhooks.verify(body, headers, secret):
                return f"{name}:{tenant.id}"
    return None


async def receive_in_inbox(name: str) -> tuple[dict[str, Any], int]:
    rt = current()
    raw = request.scope.get(RAW_BODY, b"")  # the exact bytes, kept by the outer layer
    status = _inbox_status(rt, name)
    headers = {k.lower(): v for k, v in request.headers.items()}
    rt.store.inbox_record(
        name,
        rt.clock.now_ms(),
        headers,
        raw.decode("utf-8", "replace"),
        status,
        max_entries=rt.config.inbox_max_entries,
        max_bytes=rt.config.inbox_max_bytes,
    )
    return {"received": 200 <= status < 300}, status


async def read_inbox(name: str) -> dict[str, Any]:
    rt = current()
    entries = [
        {
            **entry,
            "at": iso_z(entry["at"]),
            "verified_by": _verified_by(rt, entry["body"].encode(), entry["headers"]),
        }
        for entry in rt.store.inbox(name, limit=1000)
    ]
    return {"status": _inbox_status(rt, name), "data": entries}


async def set_inbox_status(name: str, body: dict[str, Any]) -> dict[str, Any]:
    current().store.set_meta(f"inbox_status:{name}", body["status"])
    return {"status": body["status"]}
