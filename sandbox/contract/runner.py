"""Runs Schemathesis (as a library) for our specs against the sandbox or a real endpoint,
and gathers per-operation results with reproducible findings."""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import schemathesis
import yaml
from schemathesis.engine import Status, events, from_schema
from schemathesis.engine.run import PhaseName
from schemathesis.reporting.junitxml import JunitXmlWriter
from schemathesis.reporting.recorders import grouped_failures_from_recorder

import sandbox.contract.checks  # noqa: F401  (registers the extra checks)
from sandbox.config import SandboxConfig
from sandbox.contract import auth as client_auth
from sandbox.contract.drift import describe
from sandbox.providers import REGISTRY, load_providers
from sandbox.resources import spec_path

CONTROL_API = "sandbox"  # specs/sandbox.yaml, served at /_sandbox
PHASES = ("examples", "coverage", "fuzzing", "stateful")
SAFE_METHODS = ["GET", "HEAD", "OPTIONS"]
# Checks that send requests of their own with methods other than the operation's.
MUTATING_CHECKS = ["unsupported_method"]
# Operations whose bodies can be schema-valid yet refused for what they refer to: a scenario
# naming a provider or machine that does not exist, or a resource body its provider's own
# rules refuse, is rightly a 400, which the spec cannot express, so "schema-valid data is
# accepted" does not apply to them.
BEYOND_SCHEMA = {CONTROL_API: ["POST /scenarios", "POST /resources"]}
# A spec marks such operations itself with this extension (its value says why), so a
# provider's rules (a signature, a currency its gateway lacks) need no entry here.
BEYOND_SCHEMA_MARK = "x-beyond-schema"


def beyond_schema(api: str, spec: Path) -> list[str]:
    """Labels (`POST /path`) of the operations of `api` that may refuse schema-valid data."""
    labels = list(BEYOND_SCHEMA.get(api, []))
    raw = yaml.load(spec.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    for path, item in (raw.get("paths") or {}).items():
        for method, operation in (item or {}).items():
            if isinstance(operation, dict) and operation.get(BEYOND_SCHEMA_MARK):
                labels.append(f"{method.upper()} {path}")
    return labels


def all_apis() -> list[str]:
    """Every spec the contract command can test: each provider, then the control API."""
    return [*REGISTRY, CONTROL_API]


def prefix(api: str) -> str:
    """The URL prefix an API is served under in the sandbox."""
    return "_sandbox" if api == CONTROL_API else api


def auth_variable(api: str) -> str:
    """Environment variable holding the Authorization header value for `api`."""
    return f"PAYSANDBOX_{api.upper()}_AUTH"


@dataclass
class ContractOptions:
    """What to test, where, and how hard."""

    apis: list[str] = field(default_factory=list)  # empty: every API
    base_url: str | None = None  # None: an in-process sandbox
    auth: str | None = None  # Authorization header value (one API with --base-url)
    headers: dict[str, str] = field(default_factory=dict)
    max_examples: int = 25
    seed: int | None = 20240115
    max_time: int | None = None  # seconds for the whole run
    rate_limit: str | None = None  # e.g. "10/s", "100/m"
    read_only: bool = False
    checks: list[str] = field(default_factory=lambda: ["all"])
    exclude_checks: list[str] = field(default_factory=list)
    phases: list[str] = field(default_factory=lambda: list(PHASES))
    request_timeout: float = 10.0
    junit: Path | None = None
    # Fuzzing the in-process sandbox: lift the providers' own rate limits (a settlement API's
    # two calls an hour) so generated requests reach past 429.
    lift_rate_limits: bool = True


@dataclass
class Finding:
    """One distinct failed check, with a request that reproduces it."""

    api: str
    operation: str
    check: str
    title: str
    message: str
    curl: str
    drift: str | None


@dataclass
class OperationResult:
    """What happened to one operation across all phases."""

    api: str
    operation: str
    requests: int = 0
    findings: list[Finding] = field(default_factory=list)
    skipped: str | None = None
    statuses: Counter = field(default_factory=Counter)  # response status → how many

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return not self.findings


@dataclass
class ContractResult:
    """The outcome of a contract run."""

    target: str
    operations: dict[tuple[str, str], OperationResult] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    stopped: str = "completed"

    @property
    def ok(self) -> bool:
        """True when every check passed and nothing went wrong."""
        return not self.errors and all(op.ok for op in self.operations.values())

    @property
    def findings(self) -> list[Finding]:
        """Every distinct finding, in operation order."""
        return [f for op in self.operations.values() for f in op.findings]


Progress = Callable[[str], None]


class _Collector:
    """Turns engine events into results, progress lines and JUnit entries."""

    def __init__(
        self,
        result: ContractResult,
        api: str,
        progress: Progress,
        junit: JunitXmlWriter | None,
        output_config: Any,
    ) -> None:
        self.result, self.api, self.progress = result, api, progress
        self.junit, self.output_config = junit, output_config
        self._seen: set[tuple[str, str, str]] = set()
        self._stateful = defaultdict(int)

    def operation(self, label: str) -> OperationResult:
        key = (self.api, label)
        if key not in self.result.operations:
            self.result.operations[key] = OperationResult(self.api, label)
        return self.result.operations[key]

    def handle(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.ScenarioFinished):
            self._scenario(event)
        elif isinstance(event, events.NonFatalError):
            message = event.info.format(base_url_is_set=True).strip()
            self.result.errors.append(f"{self.api} {event.label}: {message}")
            self.progress(f"  ERROR {event.label}: {message.splitlines()[0]}")
            if self.junit is not None:
                self.junit.record_error(label=f"{self.api} {event.label}", message=message)
        elif isinstance(event, events.FatalError):
            self.result.errors.append(f"{self.api}: {event.exception}")
        elif isinstance(event, events.EngineFinished):
            self.result.stopped = str(event.stop_reason)
            if self._stateful["scenarios"]:
                self.progress(
                    f"  stateful: {self._stateful['scenarios']} linked scenarios, "
                    f"{self._stateful['failed']} failed"
                )

    def _scenario(self, event: events.ScenarioFinished) -> None:
        recorder = event.recorder
        counts: dict[str, int] = defaultdict(int)
        for node in recorder.cases.values():
            counts[node.value.operation.label] += 1
        for label, count in counts.items():
            self.operation(label).requests += count
        for case_id, interaction in recorder.interactions.items():
            node = recorder.cases.get(case_id)
            if node is not None and interaction.response is not None:
                label = node.value.operation.label
                self.operation(label).statuses[interaction.response.status_code] += 1
        failed_before = len(self.result.findings)
        for case_id, checks in recorder.checks.items():
            case = recorder.cases.get(case_id)
            label = case.value.operation.label if case else recorder.label
            for check in checks:
                info = check.failure_info
                if info is None:
                    continue
                failure = info.failure
                key = (label, check.name, _normalise(failure.title + failure.message))
                if key in self._seen:
                    continue
                self._seen.add(key)
                self.operation(label).findings.append(
                    Finding(
                        api=self.api,
                        operation=label,
                        check=check.name,
                        title=failure.title,
                        message=failure.message,
                        curl=info.code_sample,
                        drift=describe(failure),
                    )
                )
        new_findings = len(self.result.findings) - failed_before
        if self.junit is not None:
            self.junit.record_scenario(
                label=f"{self.api} {recorder.label}",
                elapsed_sec=event.elapsed_time,
                failures=grouped_failures_from_recorder(recorder),
                skip_reason=event.skip_reason,
                config=self.output_config,
            )
        if event.phase == PhaseName.STATEFUL_TESTING:
            self._stateful["scenarios"] += event.status != Status.SKIP
            self._stateful["failed"] += event.status == Status.FAILURE
            return
        if event.status == Status.SKIP:
            if event.skip_reason and not counts:
                self.operation(recorder.label).skipped = event.skip_reason
            return
        phase = str(getattr(event.phase, "value", event.phase)).replace("_", " ")
        mark = "FAIL" if event.status == Status.FAILURE else "ok  "
        total = sum(counts.values())
        extra = f", {new_findings} new finding(s)" if new_findings else ""
        self.progress(f"  {mark} {recorder.label}  [{phase}] {total} requests{extra}")


def _normalise(text: str) -> str:
    # The same failure on different generated inputs differs only in quoted values.
    return re.sub(r"'[^']*'|\d+", "_", text)[:300]


def _schemathesis_config(
    options: ContractOptions, api: str, base_url: str, headers: dict[str, str], spec: Path
) -> schemathesis.Config:
    config = schemathesis.Config.from_dict(
        {
            "operations": [
                {"include-name": label, "checks": {"positive_data_acceptance": {"enabled": False}}}
                for label in beyond_schema(api, spec)
            ]
        }
    )
    config.update(seed=options.seed, max_failures=None, max_time=options.max_time)
    # Reproducing curl lines keep the sandbox's public test keys; a real gateway's are masked.
    config.output.sanitization.update(enabled=options.base_url is not None)
    project = config.projects.override
    project.update(
        base_url=base_url,
        headers=headers,
        rate_limit=options.rate_limit,
        request_timeout=options.request_timeout,
        workers=1,
    )
    project.phases.update(phases=options.phases)
    excluded = list(options.exclude_checks) + (MUTATING_CHECKS if options.read_only else [])
    # Every check is on by default; naming "all" explicitly would also override the
    # per-operation exceptions above.
    included = None if options.checks == ["all"] else options.checks
    project.checks.update(included_check_names=included, excluded_check_names=excluded or None)
    project.generation.update(
        max_examples=options.max_examples, database="none", deterministic=options.seed is not None
    )
    return config


def _headers_for(
    api: str,
    options: ContractOptions,
    sandbox_tenant_headers: dict[str, str] | None,
    progress: Progress,
) -> dict[str, str]:
    headers = dict(sandbox_tenant_headers or {})
    auth = options.auth or os.environ.get(auth_variable(api))
    if auth:
        headers["Authorization"] = auth
    elif options.base_url is not None and api != CONTROL_API:
        progress(f"  note: no credentials for {api} (--auth or {auth_variable(api)}); expect 401s")
    headers.update(options.headers)
    return headers


def run_contract(options: ContractOptions, progress: Progress = print) -> ContractResult:
    """Runs every selected API's spec against the target and returns what was found."""
    apis = options.apis or all_apis()
    unknown = [api for api in apis if api not in all_apis()]
    if unknown:
        raise ValueError(
            f"unknown API(s) {', '.join(unknown)}; choose from {', '.join(all_apis())}"
        )
    if options.base_url is not None and len(apis) != 1:
        raise ValueError("--base-url points at one gateway: name exactly one provider")
    if options.base_url is not None:
        return _run(options, apis, options.base_url.rstrip("/"), None, progress)

    from sandbox.server import Sandbox  # the default target: a fresh in-process sandbox

    config = SandboxConfig(
        seed=options.seed or 20240115,
        clock_start="2024-01-15T10:00:00Z",
        clock_frozen=True,
        validate_responses=True,
        provider_rate_limits=not options.lift_rate_limits,
    )
    with Sandbox(config) as sb:
        assert sb.runtime is not None
        return _run(options, apis, sb.url, sb.runtime, progress)


def _run(
    options: ContractOptions, apis: list[str], base: str, runtime: Any, progress: Progress
) -> ContractResult:
    result = ContractResult(target=base if options.base_url else f"sandbox at {base}")
    providers = load_providers([a for a in apis if a != CONTROL_API])
    junit = None
    for api in apis:
        tenant_headers, tenant = None, None
        if runtime is not None and api in providers:
            tenant = runtime.tenants[api][0]
            tenant_headers = dict(providers[api].client_headers(tenant))
        url = base if options.base_url else f"{base}/{prefix(api)}"
        headers = _headers_for(api, options, tenant_headers, progress)
        spec = providers[api].spec_file if api in providers else spec_path(api)
        config = _schemathesis_config(options, api, url, headers, spec)
        schema = schemathesis.openapi.from_path(str(spec), config=config)
        if tenant is not None and providers[api].client_auth is not None:
            # Credentials that depend on the request are computed as each case is sent.
            client_auth.register(schema, providers[api], tenant, runtime.clock.now_ms)
        if options.read_only:
            schema = schema.include(method=SAFE_METHODS)
        if junit is None and options.junit is not None:
            junit = JunitXmlWriter(Path(options.junit), schema.config.output)
        progress(f"{api}: testing {url}")
        collector = _Collector(result, api, progress, junit, schema.config.output)
        for event in from_schema(schema).execute():
            collector.handle(event)
    if junit is not None:
        # An operation skipped by one phase (no examples) but tested by another is not skipped.
        junit.unskip(
            {f"{op.api} {op.operation}" for op in result.operations.values() if op.requests}
        )
        junit.close()
    return result
