"""Running a scenario's steps over HTTP against a sandbox (in-process by default), with
expectations on status, JSON fields and headers, and values saved for later steps."""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx

from sandbox.clientauth import remote_clock, with_fields
from sandbox.clock import iso_z
from sandbox.config import TOKEN_HEADER, TOKEN_VARIABLE, SandboxConfig
from sandbox.lifecycle import parse_duration
from sandbox.matching import MISSING, holds, lookup
from sandbox.providers import REGISTRY, load_providers
from sandbox.providers.base import ClientCredentials, ClientRequest, Provider, Tenant
from sandbox.scenario.model import CONTROL, Scenario

DEFAULT_START = "2024-01-15T10:00:00Z"
# Links in responses use this base in scenario runs, so output does not depend on the port.
STABLE_PUBLIC_URL = "http://127.0.0.1:8000"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# ${start}, ${start+5m}, ${start-20d:date}: instants relative to the scenario's start, so a
# scenario reads the same on a fresh in-process sandbox and on a long-running server.
_INSTANT = re.compile(r"\$\{start(?:([+-])([0-9][0-9a-z.]*))?(:date)?\}")
START_MS = "_start_ms"  # the scenario's start instant among the variables


class StepFailed(Exception):
    """An expectation did not hold; the message says what was expected and what came back."""


@dataclass
class StepResult:
    """One executed step."""

    label: str
    passed: bool
    status: int | None = None
    body: bytes = b""
    detail: str = ""


@dataclass
class ScenarioRun:
    """The outcome of running one scenario's steps."""

    name: str
    source: str
    steps: list[StepResult] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """True when every step passed and nothing went wrong."""
        return self.error is None and all(step.passed for step in self.steps)

    @property
    def failure(self) -> str | None:
        """What went wrong, for humans."""
        if self.error:
            return self.error
        failed = next((s for s in self.steps if not s.passed), None)
        return None if failed is None else f"{failed.label}: {failed.detail}"

    def transcript(self) -> list[tuple[str, int | None, bytes]]:
        """Every step's response, for comparing two runs byte for byte (the sandbox's own
        address, which differs between runs, reads `${sandbox}`)."""
        return [(step.label, step.status, step.body) for step in self.steps]


def _instant(match: re.Match[str], variables: dict[str, Any]) -> str:
    sign, offset, as_date = match.groups()
    try:
        shift = parse_duration(offset) if offset else 0
    except ValueError as exc:
        raise StepFailed(f"{match.group(0)}: {exc}") from None
    ms = variables[START_MS] + (-shift if sign == "-" else shift)
    return time.strftime("%Y-%m-%d", time.gmtime(ms // 1000)) if as_date else iso_z(ms)


def _substitute(value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, str):
        if START_MS in variables:
            value = _INSTANT.sub(lambda m: _instant(m, variables), value)
        whole = _VARIABLE.fullmatch(value)
        if whole:  # "${amount}" keeps the saved value's type
            return _variable(whole.group(1), variables)
        return _VARIABLE.sub(lambda m: str(_variable(m.group(1), variables)), value)
    if isinstance(value, dict):
        return {key: _substitute(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, variables) for item in value]
    return value


def _variable(name: str, variables: dict[str, Any]) -> Any:
    if name not in variables:
        known = ", ".join(sorted(variables)) or "none yet"
        raise StepFailed(f"unknown variable ${{{name}}} (known: {known})")
    return variables[name]


def _excerpt(response: httpx.Response) -> str:
    text = response.text
    return text if len(text) <= 600 else text[:600] + "…"


class StepRunner:
    """Executes one scenario's steps against a sandbox at `base_url`."""

    def __init__(
        self,
        base_url: str,
        scenario: Scenario,
        client: httpx.Client | None = None,
        live: bool = False,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.live = live  # a sandbox others use: set its clock up for the run, then restore
        self.scenario = scenario
        self.client = client or httpx.Client(timeout=60)
        self.variables: dict[str, Any] = {}
        self._tenants: dict[tuple[str, str | None], Tenant] = {}
        self._headers: dict[tuple[str, str | None], dict[str, str]] = {}
        self._providers: dict[str, Provider] = {}
        self._inbox_statuses: dict[str, int] = {}  # before the steps changed them

    def run(self) -> ScenarioRun:
        """Loads the scenario into the sandbox, runs the steps (stopping at the first failed
        one), unloads it again and restores what the steps changed (the clock's mode,
        webhook endpoints, test-inbox statuses)."""
        run = ScenarioRun(self.scenario.name, self.scenario.source)
        started = time.perf_counter()
        try:
            saved = self._begin()
        except httpx.HTTPError as exc:
            run.error = f"the sandbox at {self.base_url} does not answer: {exc}"
            return run
        try:
            self._run_steps(run)
        finally:
            self._restore(saved)
            run.seconds = time.perf_counter() - started
        return run

    def _run_steps(self, run: ScenarioRun) -> None:
        url = f"{self.base_url}/_sandbox/scenarios"
        if self.scenario.text:  # as written, so the sandbox's errors carry line numbers
            loaded = self.client.post(
                url,
                content=self.scenario.text.encode(),
                headers={"Content-Type": "application/yaml"},
            )
        else:
            loaded = self.client.post(url, json=self.scenario.doc)
        if loaded.status_code != 201:
            run.error = (
                f"the sandbox refused the scenario ({loaded.status_code}): {_excerpt(loaded)}"
            )
            return
        try:
            self.variables["sandbox"] = self.base_url
            self.variables.update(loaded.json()["fixtures"])
            self._load_credentials()
            for index, step in enumerate(self.scenario.section("steps"), 1):
                result = self._step(index, step)
                run.steps.append(result)
                if not result.passed:
                    break
        except httpx.HTTPError as exc:
            run.error = f"the sandbox stopped answering: {exc}"
        finally:
            self.client.delete(f"{self.base_url}/_sandbox/scenarios/{self.scenario.name}")

    def _begin(self) -> dict[str, Any]:
        """Freezes the clock for the run at the next whole minute (time moves only through
        the steps, and fixed rate-limit windows line up as on a fresh sandbox), and notes
        what the steps may change so that `_restore` can put it back."""
        clock = self.client.get(f"{self.base_url}/_sandbox/clock").json()
        if not self.live:  # a sandbox of its own, started with the scenario's clock
            clock_now = clock
        elif not clock["frozen"]:
            clock_now = self.client.post(f"{self.base_url}/_sandbox/clock/freeze").json()
        else:
            clock_now = clock
        now = clock_now["now_ms"]
        if self.live:  # always forward, so that no two runs share a start (nor a run_id)
            step = 60_000 - now % 60_000
            self.client.post(
                f"{self.base_url}/_sandbox/clock/advance", json={"seconds": step / 1000}
            )
            now += step
        self.variables[START_MS] = now
        self.variables["start"] = iso_z(now)
        # Unique per run against a long-lived sandbox, the same on every fresh one: for
        # references that must not collide with an earlier run's.
        self.variables["run_id"] = f"{now // 60_000:x}"
        endpoints = self.client.get(f"{self.base_url}/_sandbox/webhooks/endpoints").json()
        return {"frozen": clock["frozen"], "endpoints": endpoints["data"]}

    def _restore(self, saved: dict[str, Any]) -> None:
        try:
            for name, status in self._inbox_statuses.items():
                self.client.put(
                    f"{self.base_url}/_sandbox/inbox/{name}/status", json={"status": status}
                )
            now = self.client.get(f"{self.base_url}/_sandbox/webhooks/endpoints").json()["data"]
            for before in saved["endpoints"]:
                if before in now:
                    continue
                where = (
                    f"{self.base_url}/_sandbox/webhooks/endpoints/"
                    f"{before['provider']}/{before['tenant']}"
                )
                if before["url"] is None:
                    self.client.delete(where)
                else:
                    self.client.put(where, json={"url": before["url"], "secret": before["secret"]})
            if self.live and not saved["frozen"]:
                self.client.post(f"{self.base_url}/_sandbox/clock/resume")
        except httpx.HTTPError:
            pass  # the sandbox is gone; the run's error says so already

    def _remember_inbox_status(self, provider: str, request: dict[str, Any]) -> None:
        match = re.fullmatch(r"/inbox/([^/]+)/status", request["path"])
        if provider != CONTROL or request["method"].upper() != "PUT" or match is None:
            return
        name = match.group(1)
        if name not in self._inbox_statuses:
            inbox = self.client.get(f"{self.base_url}/_sandbox/inbox/{name}")
            self._inbox_statuses[name] = inbox.json()["status"] if inbox.is_success else 200

    def _load_credentials(self) -> None:
        tenants = self.client.get(f"{self.base_url}/_sandbox/credentials").json()
        # The providers' own code computes each request's credentials, as clients would.
        self._providers = load_providers([name for name in tenants if name in REGISTRY])
        for provider, entries in tenants.items():
            for position, entry in enumerate(entries):
                tenant = Tenant.from_dict(entry)
                for key in [(provider, tenant.id)] + ([(provider, None)] if position == 0 else []):
                    self._tenants[key], self._headers[key] = tenant, entry["headers"]

    def _step(self, index: int, step: dict[str, Any]) -> StepResult:
        label = f"step {index}"
        try:
            step = {
                **step,
                **{
                    k: _substitute(v, self.variables)
                    for k, v in step.items()
                    if k in ("request", "simulate", "wait_for_webhook")
                },
            }
            label = f"step {index} ({step.get('name') or self._describe(step)})"
            if "advance" in step:
                seconds = parse_duration(step["advance"]) / 1000
                response = self.client.post(
                    f"{self.base_url}/_sandbox/clock/advance", json={"seconds": seconds}
                )
                self._expect_status(response, step.get("expect") or {"status": 200})
                return StepResult(label, True, response.status_code, response.content)
            if "wait_for_webhook" in step:
                delivery = self._wait_for_webhook(step["wait_for_webhook"])
                self._check_json(delivery, _substitute(step.get("expect") or {}, self.variables))
                self._save_from(delivery, step.get("save") or {})
                # Only what the sandbox decided goes in the transcript, not URLs or timings.
                stable = {
                    k: delivery[k]
                    for k in ("event", "event_id", "resource_id", "status", "payload")
                }
                stable["attempts"] = [a["status_code"] for a in delivery["attempts"]]
                return StepResult(label, True, 200, json.dumps(stable, sort_keys=True).encode())
            response = self._send(step)
            expect = step.get("expect") or ({"status": 200} if "simulate" in step else {})
            self._check(response, _substitute(expect, self.variables))
            self._save(response, step.get("save") or {})
            body = response.content.replace(self.base_url.encode(), b"${sandbox}")
            return StepResult(label, True, response.status_code, body)
        except StepFailed as failure:
            return StepResult(label, False, detail=str(failure))

    @staticmethod
    def _describe(step: dict[str, Any]) -> str:
        if "request" in step:
            return f"{step['request']['method']} {step['request']['path']}"
        if "simulate" in step:
            return f"simulate {step['simulate']['event']} on {step['simulate']['resource']}"
        if "wait_for_webhook" in step:
            wait = step["wait_for_webhook"]
            return f"wait for webhook {wait.get('event', '')} {wait.get('resource', '')}".strip()
        return f"advance {step['advance']}"

    def _wait_for_webhook(self, wait: dict[str, Any]) -> dict[str, Any]:
        """Delivers what is due and polls until `count` matching deliveries reach the status
        (real time, at most `timeout`); returns the last of them."""
        wanted = wait.get("status", "delivered")
        count = wait.get("count", 1)
        query = {
            "provider": self._provider(wait),
            "event": wait.get("event"),
            "resource_id": wait.get("resource"),
        }
        query = {k: v for k, v in query.items() if v is not None}
        deadline = time.monotonic() + parse_duration(wait.get("timeout", "10s")) / 1000
        seen: list[dict[str, Any]] = []
        while True:
            self.client.post(f"{self.base_url}/_sandbox/webhooks/deliver")
            seen = self.client.get(
                f"{self.base_url}/_sandbox/webhooks", params={**query, "limit": 1000}
            ).json()["data"]
            hits = [d for d in seen if _delivery_is(d, wanted)]
            if len(hits) >= count:
                return hits[count - 1]
            if time.monotonic() >= deadline:
                states = (
                    ", ".join(
                        f"{d['event']} {d['status']} ({len(d['attempts'])} attempts)" for d in seen
                    )
                    or "no delivery at all"
                )
                raise StepFailed(
                    f"expected {count} {wanted} webhook(s) matching {query}, saw: {states}"
                )
            time.sleep(0.05)

    def _provider(self, item: dict[str, Any]) -> str:
        provider = item.get("provider") or self.scenario.provider
        if provider is None:
            raise StepFailed("name a provider in the step or at the top of the scenario")
        return provider

    def _send(self, step: dict[str, Any]) -> httpx.Response:
        if "simulate" in step:
            simulate = step["simulate"]
            body = {
                "provider": self._provider(simulate),
                "resource_id": simulate["resource"],
                "event": simulate["event"],
            }
            body.update({k: simulate[k] for k in ("tenant", "kind", "params") if k in simulate})
            return self.client.post(f"{self.base_url}/_sandbox/simulate", json=body)
        request = step["request"]
        provider = self._provider(request)
        self._remember_inbox_status(provider, request)
        headers: dict[str, str] = {}
        body = request.get("json", request.get("form"))
        if request.get("auth", True) and provider != CONTROL:
            credentials = self._credentials(provider, request, body)
            headers.update(credentials.headers)
            body = with_fields(body, credentials.body_fields)
        headers.update(request.get("headers") or {})
        options: dict[str, Any] = {"params": request.get("query"), "headers": headers}
        if "json" in request:
            options["json"] = body
        elif "form" in request:
            options["data"] = body
        elif "body" in request:
            options["content"] = request["body"].encode()
        return self.client.request(
            request["method"], f"{self.base_url}/{provider}{request['path']}", **options
        )

    def _credentials(self, provider: str, request: dict[str, Any], body: Any) -> ClientCredentials:
        key = (provider, request.get("tenant"))
        if key not in self._tenants:
            raise StepFailed(f"{provider} has no tenant {request.get('tenant')!r}")
        if provider not in self._providers:  # served there, not installed here
            return ClientCredentials(headers=self._headers[key])
        return self._providers[provider].credentials_for(
            self._tenants[key],
            ClientRequest(
                method=request["method"].upper(),
                path=request["path"],
                headers=dict(request.get("headers") or {}),
                body=body,
                clock=remote_clock(self.client, self.base_url),
            ),
        )

    @staticmethod
    def _expect_status(response: httpx.Response, expect: dict[str, Any]) -> None:
        if "status" not in expect:
            return
        wanted = expect["status"] if isinstance(expect["status"], list) else [expect["status"]]
        if response.status_code not in wanted:
            shown = " or ".join(str(s) for s in wanted)
            raise StepFailed(
                f"expected status {shown}, got {response.status_code}\n"
                f"  response: {_excerpt(response)}"
            )

    def _check(self, response: httpx.Response, expect: dict[str, Any]) -> None:
        self._expect_status(response, expect)
        if "json" in expect:
            try:
                body = response.json()
            except ValueError:
                raise StepFailed(f"expected a JSON body, got: {_excerpt(response)}") from None
            self._check_json(
                body, expect, f"\n  response {response.status_code}: {_excerpt(response)}"
            )
        for name, expected in (expect.get("headers") or {}).items():
            actual = response.headers.get(name, MISSING)
            if not holds(expected, actual):
                raise StepFailed(
                    f"expected header {name} {_show(expected)}, got "
                    f"{'nothing' if actual is MISSING else repr(actual)}"
                )

    @staticmethod
    def _check_json(body: Any, expect: dict[str, Any], context: str = "") -> None:
        for path, expected in (expect.get("json") or {}).items():
            actual = lookup(body, path)
            if not holds(expected, actual):
                raise StepFailed(
                    f"expected json {path} {_show(expected)}, got "
                    f"{'nothing' if actual is MISSING else repr(actual)}{context}"
                )

    def _save(self, response: httpx.Response, save: dict[str, str]) -> None:
        if not save:
            return
        try:
            body = response.json()
        except ValueError:
            raise StepFailed("cannot save values: the response is not JSON") from None
        self._save_from(body, save, f"\n  response: {_excerpt(response)}")

    def _save_from(self, body: Any, save: dict[str, str], context: str = "") -> None:
        for name, path in save.items():
            value = lookup(body, path)
            if value is MISSING:
                raise StepFailed(f"cannot save {name}: the response has no {path}{context}")
            self.variables[name] = value


def _delivery_is(delivery: dict[str, Any], wanted: str) -> bool:
    if wanted == "any":
        return True
    if wanted == "attempted":
        return any(a["error"] for a in delivery["attempts"])
    return delivery["status"] == wanted


def _show(expected: Any) -> str:
    if isinstance(expected, dict):
        return " and ".join(f"{op} {json.dumps(value)}" for op, value in expected.items())
    return f"== {json.dumps(expected)}"


def sandbox_config(scenario: Scenario) -> SandboxConfig:
    """The configuration of the sandbox a scenario run starts: its seed and clock
    (frozen at 2024-01-15T10:00:00Z unless it says otherwise), and stable links."""
    clock = scenario.doc.get("clock") or {}
    return SandboxConfig(
        seed=scenario.doc.get("seed", SandboxConfig.seed),
        clock_start=clock.get("start", DEFAULT_START),
        clock_frozen=clock.get("frozen", True),
        public_url=STABLE_PUBLIC_URL,
        validate_responses=True,
    )


def run_scenario(
    scenario: Scenario, base_url: str | None = None, reset: bool = False
) -> ScenarioRun:
    """Runs a scenario's steps: in a fresh in-process sandbox, or against `base_url`."""
    if base_url is not None:
        # A sandbox reachable from other machines wants its control token on control calls.
        token = os.environ.get(TOKEN_VARIABLE)
        with httpx.Client(timeout=60, headers={TOKEN_HEADER: token} if token else {}) as client:
            if reset:
                client.post(f"{base_url.rstrip('/')}/_sandbox/reset")
            return StepRunner(base_url, scenario, client, live=True).run()
    from sandbox.server import Sandbox

    with Sandbox(sandbox_config(scenario)) as sb, httpx.Client(timeout=60) as client:
        return StepRunner(sb.url, scenario, client).run()


def write_junit(runs: list[ScenarioRun], path: str | Path) -> None:
    """A JUnit XML report: one test case per scenario."""
    failures = sum(not run.passed for run in runs)
    total_time = f"{sum(run.seconds for run in runs):.3f}"
    suite = ElementTree.Element(
        "testsuite",
        {
            "name": "paysandbox scenarios",
            "tests": str(len(runs)),
            "failures": str(failures),
            "errors": "0",
            "skipped": "0",
            "time": total_time,
        },
    )
    for run in runs:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            {"classname": Path(run.source).stem, "name": run.name, "time": f"{run.seconds:.3f}"},
        )
        if not run.passed:
            failure = ElementTree.SubElement(
                case, "failure", {"message": (run.failure or "").splitlines()[0]}
            )
            failure.text = run.failure
    ElementTree.indent(suite)
    Path(path).write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(suite, encoding="unicode")
    )
