"""The runtime: one sandbox's store, clock, ids, lifecycle engine, tenants and providers."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
import socket
import threading
from dataclasses import asdict, dataclass
from typing import Any, Callable, Mapping

import httpx
from faker import Faker

from sandbox import ratelimit
from sandbox.clock import Clock, ClockState, parse_instant
from sandbox.config import SandboxConfig
from sandbox.context import bind_background, unbind
from sandbox.errors import ApiError
from sandbox.faults import FaultRule
from sandbox.guard import targets_sandbox
from sandbox.ids import IdGenerator
from sandbox.lifecycle import Engine, load_machines
from sandbox.providers import load_providers
from sandbox.providers.base import Provider, Tenant
from sandbox.scenario import apply as scenario_apply
from sandbox.scenario import model as scenario_model
from sandbox.scenario.model import Scenario, ScenarioError
from sandbox.scenario.requests import BodyProblems, request_problems
from sandbox.store import Delivery, Record, SQLiteStore, Store
from sandbox.webhooks import Outbox, WebhookFault, deliver_due

_CLOCK_KEY = "clock"
_SEEDED_KEY = "seeded"
_SCENARIOS_KEY = "scenarios"
# Other workers reload what they keep in memory when its generation token changes; the
# clock and the scenarios have one each, so moving time never re-reads the scenarios.
_CLOCK_GENERATION = "generation:clock"
_SCENARIOS_GENERATION = "generation:scenarios"


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario active in this sandbox, with the ids of the fixtures it created."""

    scenario: Scenario
    fixtures: dict[str, str]


class Runtime:
    """Owns the state of one sandbox instance; the app, the CLI and tests share it."""

    def __init__(self, config: SandboxConfig | None = None, store: Store | None = None) -> None:
        self.config = config or SandboxConfig()
        # Where the sandbox listens (the server sets the real URL once it is bound); due
        # timers see this as their base URL, whichever request or ticker fires them.
        self.served_url = f"http://{self.config.host}:{self.config.port}"
        self.providers: dict[str, Provider] = load_providers(self.config.providers)
        stray = set(self.config.tenants) - set(self.providers)
        if stray:
            raise ValueError(
                f"tenants for unknown provider(s) {', '.join(sorted(stray))}; "
                f"served: {', '.join(self.providers)}"
            )
        self.tenants: dict[str, tuple[Tenant, ...]] = {
            name: self._configured_tenants(provider) for name, provider in self.providers.items()
        }
        self.store: Store = store or SQLiteStore(self.config.db, shared=self.config.workers > 1)
        for name, provider in self.providers.items():
            for kind, fields in provider.indexes.items():
                self.store.index(name, kind, tuple(fields))
        start = None if self.config.clock_start is None else parse_instant(self.config.clock_start)
        self.clock = Clock(start_ms=start, frozen=self.config.clock_frozen)
        self.ids = IdGenerator(self.config.seed, self.store.next_number)
        self.engine = Engine(
            self.store,
            self.clock,
            self.ids,
            machines={
                n: load_machines(p.lifecycle) for n, p in self.providers.items() if p.lifecycle
            },
            effects={n: p.effects for n, p in self.providers.items()},
        )
        self._faker = Faker("en_IN")
        self.scenarios: dict[str, LoadedScenario] = {}
        self.faults: tuple[FaultRule, ...] = ()
        self.webhook_faults: tuple[WebhookFault, ...] = ()
        self.engine.subscribers.append(Outbox(self))
        self._http: httpx.AsyncClient | None = None
        self._changes = itertools.count(1)
        self._generations: dict[str, Any] = {}
        self._delivering: asyncio.Lock | None = None
        self._tick_lock = threading.Lock()
        # Who holds a delivery lease: a process on a host, so a restart can tell its own
        # dead predecessors' leases from those of live sibling workers.
        self.lease_owner = f"{socket.gethostname()}:{os.getpid()}"
        self._open()

    # -- start-up and reset -----------------------------------------------------------

    def _configured_tenants(self, provider: Provider) -> tuple[Tenant, ...]:
        configured = self.config.tenants.get(provider.name)
        if configured is None:
            return provider.default_tenants
        return tuple(Tenant.from_dict(raw) for raw in configured)

    def _open(self) -> None:
        saved = self.store.get_meta(_CLOCK_KEY)
        if saved is not None:
            # A database file from an earlier run: resume its clock and keep its state.
            self.clock.restore(ClockState(**saved))
        if not self.store.get_meta(_SEEDED_KEY):
            self._seed()
        self._release_orphaned_leases()
        for index, endpoint in enumerate(self.config.webhooks):
            try:
                self.set_webhook_endpoint(
                    endpoint["provider"],
                    endpoint["tenant"],
                    endpoint.get("url"),
                    endpoint.get("secret"),
                )
            except KeyError as exc:  # an unknown provider or tenant in the configuration
                raise ValueError(f"webhooks[{index}]: {exc.args[0]}") from None
        for entry in self.store.get_meta(_SCENARIOS_KEY) or []:
            # Loaded before a restart: behaviour comes back, fixtures are already stored.
            scenario = scenario_model.from_dict(entry["doc"], entry["source"])
            self._activate(scenario, entry["fixtures"])
        for path in self.config.scenarios:
            scenario = scenario_model.load(path)
            loaded = self.scenarios.get(scenario.name)
            if loaded is not None and loaded.scenario.digest == scenario.digest:
                continue
            if loaded is not None:
                self.unload_scenario(scenario.name)
            self.load_scenario(scenario)

    def _release_orphaned_leases(self) -> None:
        """Deliveries that a killed process on this host was sending go back to the queue
        now, instead of waiting out their real-time lease."""
        host = socket.gethostname()
        for owner in self.store.lease_owners():
            owner_host, _, pid = owner.rpartition(":")
            if owner_host != host or not pid.isdigit():
                continue  # another host's process: only its lease running out frees it
            if int(pid) == os.getpid() or not _process_alive(int(pid)):  # ours: a reused pid
                self.store.release_leases(owner)

    def _seed(self) -> None:
        with self.store.transaction():
            for name, provider in self.providers.items():
                for tenant in self.tenants[name]:
                    provider.seed(self, tenant)
            self.store.set_meta(_SEEDED_KEY, True)
            self.persist_clock()

    def reset(self) -> None:
        """Back to the seeded start state: data, counters, timers and the clock; loaded
        scenarios stay loaded and their fixtures are created again."""
        loaded = [entry.scenario for entry in self.scenarios.values()]
        with self.store.transaction():
            self.store.wipe()
            self.engine.clear_overrides()
            self.scenarios, self.faults, self.webhook_faults = {}, (), ()
            self.clock.reset()
            self._seed()
            for scenario in loaded:
                self.load_scenario(scenario)

    # -- scenarios --------------------------------------------------------------------

    def load_scenario(self, scenario: Scenario) -> "LoadedScenario":
        """Creates a scenario's fixtures and activates its lifecycle overrides and faults;
        nothing changes when any part of it is invalid."""
        if scenario.name in self.scenarios:
            raise ScenarioError(
                [f"a scenario named {scenario.name!r} is already loaded; unload it first"]
            )
        scenario_apply.overrides(self, scenario)  # validate before creating anything
        scenario_apply.fault_rules(self, scenario)
        scenario_apply.webhook_faults(self, scenario)
        scenario_apply.check_steps(self, scenario)
        with self.store.transaction():
            fixtures = scenario_apply.create_fixtures(self, scenario)
            loaded = self._activate(scenario, fixtures)
            self._persist_scenarios()
        return loaded

    def _activate(self, scenario: Scenario, fixtures: dict[str, str]) -> "LoadedScenario":
        for provider, machine in scenario_apply.overrides(self, scenario):
            self.engine.override(provider, machine)
        self.faults += tuple(scenario_apply.fault_rules(self, scenario))
        self.webhook_faults += tuple(scenario_apply.webhook_faults(self, scenario))
        loaded = LoadedScenario(scenario, fixtures)
        self.scenarios[scenario.name] = loaded
        return loaded

    def unload_scenario(self, name: str) -> None:
        """Removes a scenario's overrides and faults (its fixtures stay in the store)."""
        if name not in self.scenarios:
            raise KeyError(name)
        remaining = [entry for key, entry in self.scenarios.items() if key != name]
        self.engine.clear_overrides()
        self.scenarios, self.faults, self.webhook_faults = {}, (), ()
        for entry in remaining:
            self._activate(entry.scenario, entry.fixtures)
        self._persist_scenarios()

    def _persist_scenarios(self) -> None:
        self.store.set_meta(
            _SCENARIOS_KEY,
            [
                {"doc": e.scenario.doc, "source": e.scenario.source, "fixtures": e.fixtures}
                for e in self.scenarios.values()
            ],
        )
        self._changed(_SCENARIOS_GENERATION)

    def persist_clock(self) -> None:
        """Saves the clock so a restart (or another worker) continues from it."""
        self.store.set_meta(_CLOCK_KEY, asdict(self.clock.state))
        self._changed(_CLOCK_GENERATION)

    def _move_clock(self, move: Callable[[Clock], Any]) -> None:
        """Applies a change to the clock as one read-modify-write of the shared state, so
        two workers moving time at once both count (each starts from the other's result)."""
        with self.store.transaction():  # BEGIN IMMEDIATE: one writer at a time
            saved = self.store.get_meta(_CLOCK_KEY)
            if saved is not None:
                self.clock.restore(ClockState(**saved))
            move(self.clock)
            self.persist_clock()

    def freeze_clock(self, frozen: bool) -> None:
        """Stops time where it is, or lets it run on from there."""
        self._move_clock(lambda clock: clock.freeze(frozen))

    def _changed(self, key: str) -> None:
        token = f"{os.getpid()}-{next(self._changes)}"
        self._generations[key] = token
        self.store.set_meta(key, token)

    def _generation_moved(self, key: str) -> bool:
        token = self.store.get_meta(key)
        if token == self._generations.get(key):
            return False
        self._generations[key] = token
        return True

    def sync(self) -> None:
        """Catches up with changes another worker made to the clock or the scenarios,
        reloading only the one that changed."""
        if self.config.workers <= 1:
            return
        if self._generation_moved(_CLOCK_GENERATION):
            saved = self.store.get_meta(_CLOCK_KEY)
            if saved is not None:
                self.clock.restore(ClockState(**saved))
        if not self._generation_moved(_SCENARIOS_GENERATION):
            return
        self.engine.clear_overrides()
        self.scenarios, self.faults, self.webhook_faults = {}, (), ()
        for entry in self.store.get_meta(_SCENARIOS_KEY) or []:
            self._activate(
                scenario_model.from_dict(entry["doc"], entry["source"]), entry["fixtures"]
            )

    def close(self) -> None:
        """Releases the store."""
        self.store.close()

    # -- time -------------------------------------------------------------------------

    def tick(self) -> int:
        """Fires every transition that has fallen due; cheap when none has. Timers always
        run bound the same way (this runtime, the sandbox's own base URL), whether a
        request, the ticker, a clock advance or a test fired them."""
        due = self.store.next_due()
        if due is None or due > self.clock.now_ms():
            return 0
        with self._tick_lock:
            tokens = bind_background(self)
            try:
                return self.engine.fire_due()
            finally:
                unbind(tokens)

    def advance(self, seconds: float) -> int:
        """Moves the clock forward and fires what fell due, in order; ValueError when the
        move would take it past the latest instant the clock can show."""
        self._move_clock(lambda clock: clock.advance(seconds))
        return self.tick()

    # -- limits -----------------------------------------------------------------------

    def rate_limit(self, key: str, limit: int, window_ms: int) -> int | None:
        """Counts one call against a provider's own rate limit (fixed windows on the sandbox
        clock, shared by every worker); the seconds until the window ends (`Retry-After`)
        when the call is over the limit, None when it may go ahead or limits are lifted."""
        if not self.config.provider_rate_limits:
            return None
        return ratelimit.consume(self.store, key, limit, window_ms, self.clock.now_ms())

    def tenant_rate_limit(self, provider: str, tenant: Tenant, key: str = "") -> int | None:
        """`rate_limit` for the limit a tenant's profile sets (`rate_limit: {limit: 2, per:
        1h}`: a provider's documented default in its seed, or configuration), counted per
        tenant and `key`; None when the tenant has none or the call may go ahead."""
        rule = tenant.profile.get("rate_limit")
        if not rule or not self.config.provider_rate_limits:
            return None
        limit, window_ms = ratelimit.rate_limit_rule(rule)
        return self.rate_limit(f"{provider}:{tenant.id}:{key}", limit, window_ms)

    # -- webhooks ---------------------------------------------------------------------

    def set_webhook_endpoint(
        self, provider: str, tenant: str, url: str | None, secret: str | None
    ) -> None:
        """Points a tenant's webhooks at `url` (signed with `secret`, or its default one)."""
        if provider not in self.providers or self.providers[provider].webhooks is None:
            raise KeyError(f"{provider} sends no webhooks")
        self.tenant(provider, tenant)  # raises KeyError for an unknown tenant
        if url and targets_sandbox(self.config, url):
            raise ValueError(
                f"{url[:100]!r} points at this sandbox outside its test inbox: deliveries "
                "there would drive the sandbox itself. Use /_sandbox/inbox/{name} or your "
                "own receiver."
            )
        self.store.set_endpoint(provider, tenant, url, secret)

    def webhook_client(self) -> httpx.AsyncClient:
        """The HTTP client deliveries use (created in the serving event loop)."""
        if self._http is None:
            self._http = httpx.AsyncClient()
        return self._http

    async def deliver_webhooks(self) -> list[Delivery]:
        """Attempts every webhook delivery that is due now. Rounds take turns, so a caller
        returns only after deliveries the background worker had in flight are finished."""
        if self._delivering is None:
            self._delivering = asyncio.Lock()
        async with self._delivering:
            return await deliver_due(self, self.webhook_client())

    async def aclose(self) -> None:
        """Closes the webhook client (end of serving)."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # -- lookups used by handlers -----------------------------------------------------

    def tenant(self, provider: str, tenant_id: str) -> Tenant:
        """A configured tenant by id."""
        for tenant in self.tenants[provider]:
            if tenant.id == tenant_id:
                return tenant
        raise KeyError(f"{provider} has no tenant {tenant_id!r}")

    def faker(self, *scope: str) -> Faker:
        """The shared Faker (Indian locale), re-seeded for `scope` so each provider and
        tenant draws the same data whatever else is registered."""
        digest = hashlib.blake2b(
            ":".join((str(self.config.seed), *scope)).encode(), digest_size=8
        ).digest()
        self._faker.seed_instance(int.from_bytes(digest, "big"))
        return self._faker

    def public_url(self, base_url: str) -> str:
        """The base URL for links handed to clients (payment pages, callbacks)."""
        return (self.config.public_url or base_url).rstrip("/")

    def create_resource(
        self,
        provider: str,
        tenant: Tenant,
        kind: str,
        body: Mapping[str, Any],
        created_at: int,
        state: str | None = None,
    ) -> Record:
        """Creates a resource as the provider's builder makes it from `body` (what scenario
        fixtures and the control API use), then drives it along its lifecycle to `state`.
        The body is first checked against the request schema of the operation that creates
        the kind (BodyProblems); ApiError or ValueError for anything else refused."""
        found = self.providers[provider]
        if kind not in found.builders:
            raise ValueError(
                f"{provider} cannot create {kind!r}; kinds: {', '.join(found.builders) or 'none'}"
            )
        if kind not in found.creates:
            raise ValueError(f"{provider} names no operation that creates {kind!r}")
        # None: no API operation creates this kind (payouts, records of read-only APIs);
        # its builder checks the body itself.
        operation = found.creates[kind]
        problems = [] if operation is None else request_problems(provider, operation, body)
        if problems:
            raise BodyProblems(problems)
        with self.store.transaction():
            draft = found.builders[kind](self, tenant, body, created_at)
            record = self.engine.create(
                provider,
                tenant.id,
                draft.kind,
                draft.id,
                draft.data,
                ref=draft.ref,
                parent=draft.parent,
                created_at=created_at,
            )
            if state and state != record.state:
                machine = self.engine.machine(provider, draft.kind)
                path = machine.path_to(record.state, state)
                if path is None:
                    raise ValueError(
                        f"{draft.kind} cannot reach state {state!r}; "
                        f"states: {', '.join(sorted(machine.states))}"
                    )
                for action in path:
                    record = self.engine.apply(
                        provider, tenant.id, draft.kind, draft.id, action, at=created_at
                    )
        return record

    def require(
        self, provider: str, tenant: str, kind: str, id: str, not_found: Callable[[str], ApiError]
    ) -> Any:
        """The tenant's record, or the provider's not-found error for `id` (foreign ids
        included)."""
        record = self.store.get(provider, tenant, kind, id)
        if record is None:
            raise not_found(id)
        return record


def _process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
