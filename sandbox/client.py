"""The client verbs of `paysandbox` (clock, reset, requests, trigger, simulate, webhook
registration): small HTTP calls to a running sandbox's control API, whose failures end in
one line that says what to do."""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

import httpx

from sandbox.config import TOKEN_HEADER, TOKEN_VARIABLE
from sandbox.lifecycle import parse_duration

if TYPE_CHECKING:
    from sandbox.providers.base import Call, Provider, Trigger

URL_VARIABLE = "PAYSANDBOX_URL"
DEFAULT_URL = "http://127.0.0.1:8000"
Write = Callable[[str], None]


class ClientError(Exception):
    """A client verb cannot do its job; the message is one line with the fix."""


def default_url() -> str:
    """Where the client verbs find the sandbox: $PAYSANDBOX_URL, else the default."""
    return os.environ.get(URL_VARIABLE) or DEFAULT_URL


class SandboxClient:
    """The control API of one running sandbox."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        timeout: float = 30,
        url_option: str = "--url",
    ) -> None:
        self.url = (url or default_url()).rstrip("/")
        self._url_option = url_option  # named in "cannot reach" messages
        token = token or os.environ.get(TOKEN_VARIABLE)
        self._http = httpx.Client(
            base_url=self.url, timeout=timeout, headers={TOKEN_HEADER: token} if token else {}
        )

    def close(self) -> None:
        """Closes the connection pool."""
        self._http.close()

    def __enter__(self) -> "SandboxClient":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def send(self, method: str, path: str, **options: Any) -> httpx.Response:
        """One request; an unreachable sandbox or a missing control token is a ClientError."""
        try:
            response = self._http.request(method, path, **options)
        except httpx.TimeoutException:
            raise ClientError(
                f"the sandbox at {self.url} did not answer {method} {path} in time; "
                "is it overloaded or stopped?"
            ) from None
        except httpx.TransportError as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            where = self._url_option
            if where == "--url":
                where = f"${URL_VARIABLE} or --url"
            raise ClientError(
                f"cannot reach the sandbox at {self.url} ({reason}); start it with "
                f"`paysandbox serve`, or point {where} at it"
            ) from None
        if response.status_code == 401 and path.startswith("/_sandbox"):
            raise ClientError(
                f"the sandbox at {self.url} requires its control token: set "
                f"${TOKEN_VARIABLE} or pass --control-token (it is printed when the sandbox "
                "starts)"
            )
        if response.status_code in (403, 421) and path.startswith("/_sandbox"):
            raise ClientError(f"the sandbox refused {method} {path}: {_message(response)}")
        return response

    def now_ms(self) -> int:
        """The sandbox's clock (epoch ms), for credentials minted on it."""
        return int(self.call("GET", "/_sandbox/clock")["now_ms"])

    def call(self, method: str, path: str, ok: tuple[int, ...] = (200,), **options: Any) -> Any:
        """A control call whose status must be in `ok`; returns its JSON (None if empty)."""
        response = self.send(method, path, **options)
        if response.status_code not in ok:
            raise ClientError(
                f"{method} {path} answered {response.status_code}: {_message(response)}"
            )
        return response.json() if response.content else None


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return " ".join(response.text.split())[:300] or "(no body)"
    error = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(error, dict):
        text = error.get("message") or error.get("detail") or error.get("title")
        allowed = error.get("allowed")
        if text and allowed is not None:
            return f"{text} (allowed now: {', '.join(allowed) or 'none'})"
        if text:
            return str(text)
    return json.dumps(body)[:300]


# -- clock ----------------------------------------------------------------------------------


def clock_line(clock: Mapping[str, Any]) -> str:
    """`2024-01-15T10:00:00Z (frozen)` for a clock answer."""
    return f"{clock['now']} ({'frozen' if clock['frozen'] else 'running'})"


def clock(client: SandboxClient, action: str, duration: str | None, write: Write) -> None:
    """`paysandbox clock [show|advance DURATION|freeze|resume]`."""
    if action == "show":
        write(clock_line(client.call("GET", "/_sandbox/clock")))
    elif action == "advance":
        if not duration:
            raise ClientError("say how far: paysandbox clock advance 90s (or 2h, 3d, 1h30m)")
        try:
            seconds = parse_duration(duration) / 1000
        except ValueError as exc:
            raise ClientError(str(exc)) from None
        answer = client.call("POST", "/_sandbox/clock/advance", json={"seconds": seconds})
        fired = answer.get("fired", 0)
        write(f"{clock_line(answer)}; {fired} scheduled transition(s) fired")
    else:
        answer = client.call("POST", f"/_sandbox/clock/{action}")
        write(clock_line(answer))


def reset(client: SandboxClient, write: Write) -> None:
    """`paysandbox reset`."""
    answer = client.call("POST", "/_sandbox/reset")
    write(f"reset to the seeded start state; clock {clock_line(answer['clock'])}")


# -- the request journal ----------------------------------------------------------------------


@dataclass(frozen=True)
class JournalQuery:
    """Filters of `paysandbox requests`."""

    provider: str | None = None
    method: str | None = None
    path: str | None = None
    status: int | None = None
    limit: int = 20

    def params(self, limit: int | None = None) -> dict[str, Any]:
        """Query parameters of `GET /_sandbox/requests`."""
        raw = {
            "provider": self.provider,
            "method": self.method.upper() if self.method else None,
            "path": self.path,
            "status": self.status,
            "limit": limit or self.limit,
        }
        return {k: v for k, v in raw.items() if v is not None}


def request_line(entry: Mapping[str, Any]) -> str:
    """One journal entry as a line (like `serve --log requests`)."""
    path = f"{entry['path']}?{entry['query']}" if entry.get("query") else entry["path"]
    return (
        f"{entry['at']} {entry['method']:<6} {path} {entry['status']} "
        f"{entry['duration_ms']:.1f}ms {entry.get('provider') or '-'}"
    )


def requests(
    client: SandboxClient,
    query: JournalQuery,
    write: Write,
    as_json: bool = False,
    tail: bool = False,
    interval: float = 1.0,
    polls: int | None = None,
) -> None:
    """`paysandbox requests`: the newest exchanges, oldest first; with `tail`, then every
    new one as it arrives (polling every `interval` seconds, `polls` times or until Ctrl-C)."""

    def show(entry: Mapping[str, Any]) -> None:
        write(json.dumps(entry) if as_json else request_line(entry))

    entries = client.call("GET", "/_sandbox/requests", params=query.params())["data"]
    for entry in reversed(entries):
        show(entry)
    if not tail:
        return
    last = max((e["seq"] for e in entries), default=0)
    if not entries:
        # Start after whatever is already there (filtered out or not).
        newest = client.call("GET", "/_sandbox/requests", params={"limit": 1})["data"]
        last = newest[0]["seq"] if newest else 0
    for _ in _polls(polls):
        time.sleep(interval)
        fresh = client.call("GET", "/_sandbox/requests", params=query.params(limit=1000))["data"]
        for entry in reversed([e for e in fresh if e["seq"] > last]):
            show(entry)
            last = entry["seq"]


def _polls(count: int | None) -> Iterator[int]:
    number = 0
    while count is None or number < count:
        number += 1
        yield number


# -- trigger and simulate ---------------------------------------------------------------------


def simulate(client: SandboxClient, provider: str, resource: str, event: str) -> dict[str, Any]:
    """Forces one lifecycle transition; returns the resource as the control API shows it."""
    return client.call(
        "POST",
        "/_sandbox/simulate",
        json={"provider": provider, "resource_id": resource, "event": event},
    )


def _fill(value: Any, values: Mapping[str, Any]) -> Any:
    """A recipe's path or body with its placeholders filled (see `providers.base.Call`)."""
    if isinstance(value, str):
        try:
            return value.format_map(values)
        except (KeyError, IndexError) as exc:
            raise ClientError(f"the trigger recipe names {exc}, which it does not have") from None
    if isinstance(value, Mapping):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


def _field(answer: Any, dotted: str) -> Any:
    for name in dotted.split("."):
        if not isinstance(answer, Mapping) or name not in answer:
            raise ClientError(f"the answer has no {dotted!r}: {json.dumps(answer)[:200]}")
        answer = answer[name]
    return answer


def _words(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def find_trigger(provider: "Provider", event: str) -> tuple[str, "Trigger"]:
    """The recipe for `event`, by its name or the same words written another way
    (`payment_captured` finds ZazPay's `PaymentCaptured`, `order_pending` ZTake's
    `order.pending`); a provider without webhooks, or an unknown event, is a ClientError."""
    if provider.webhooks is None:
        raise ClientError(
            f"{provider.name} sends no webhooks ({provider.title}'s API documents none), so "
            "there is no event to trigger; create its resources with POST /_sandbox/resources "
            "and move them with `paysandbox simulate`"
        )
    for name, recipe in provider.triggers.items():
        if name == event or _words(name) == _words(event):
            return name, recipe
    known = ", ".join(provider.triggers) or "none"
    raise ClientError(f"{provider.name} has no trigger {event!r}; known: {known}")


class _Values(dict):
    """A recipe's placeholder values; `webhook_url` is looked up the first time it is used."""

    def __init__(self, recipe: "_Recipe", **values: Any) -> None:
        super().__init__(**values)
        self.recipe = recipe

    def __missing__(self, key: str) -> Any:
        if key != "webhook_url":
            raise KeyError(key)
        self[key] = self.recipe.webhook_url()
        return self[key]


class _Recipe:
    """One run of a trigger recipe against a running sandbox, as one tenant."""

    def __init__(
        self, client: SandboxClient, provider: "Provider", tenant: Mapping[str, Any]
    ) -> None:
        from sandbox.clientauth import ProviderAuth
        from sandbox.providers.base import Tenant

        self.client, self.provider, self.tenant = client, provider, tenant
        self.auth = ProviderAuth(
            provider, Tenant.from_dict(tenant), client.now_ms, prefix=f"/{provider.name}"
        )
        self.values = _Values(
            self,
            tenant=tenant["id"],
            # Fresh per run, so idempotency never hands back an earlier trigger's resource.
            unique=secrets.token_hex(5),
            digits="".join(secrets.choice("0123456789") for _ in range(12)),
            credentials=tenant.get("credentials", {}),
            profile=tenant.get("profile", {}),
        )

    def webhook_url(self) -> str:
        """Where the tenant's webhooks go: its endpoint, else the sandbox's test inbox."""
        name, tenant = self.provider.name, self.tenant["id"]
        endpoints = self.client.call("GET", "/_sandbox/webhooks/endpoints")["data"]
        configured = next(
            (e["url"] for e in endpoints if (e["provider"], e["tenant"]) == (name, tenant)), None
        )
        return configured or f"{self.client.url}/_sandbox/inbox/trigger-{name}-{tenant}"

    def call(self, call: "Call") -> Any:
        """Sends one call as the tenant; returns its JSON answer."""
        path = f"/{self.provider.name}" + _fill(call.path, self.values)
        body = None if call.body is None else _fill(dict(call.body), self.values)
        options: dict[str, Any] = {"auth": self.auth}
        if body is not None:
            options["data" if call.form else "json"] = body
        response = self.client.send(call.method, path, **options)
        if response.status_code not in call.ok:
            raise ClientError(
                f"{call.method} {path} answered {response.status_code}: {_message(response)}"
            )
        answer = response.json() if response.content else None
        for name, dotted in call.save.items():
            self.values[name] = _field(answer, dotted)
        return answer

    def create(self, recipe: "Trigger") -> str:
        """Creates the recipe's resource; returns its id."""
        if recipe.create is not None:
            resource = str(_field(self.call(recipe.create), recipe.id_field))
        else:
            fixture = {
                "provider": self.provider.name,
                "tenant": self.tenant["id"],
                "kind": recipe.kind,
                "body": _fill(dict(recipe.fixture or {}), self.values),
            }
            created = self.client.call("POST", "/_sandbox/resources", ok=(201,), json=fixture)
            resource = created["id"]
        self.values["id"] = resource
        return resource


def trigger(
    client: SandboxClient, provider: str, event: str, tenant: str | None, write: Write
) -> str:
    """`paysandbox trigger`: creates what the provider's recipe for `event` needs, as the
    tenant, drives it there and reports the webhook; returns the resource id."""
    from sandbox.providers import load_providers

    loaded = load_providers([provider])[provider]
    event, recipe = find_trigger(loaded, event)
    tenants = client.call("GET", "/_sandbox/credentials").get(provider)
    if not tenants:
        raise ClientError(f"the sandbox at {client.url} does not serve {provider}")
    chosen = next((t for t in tenants if tenant in (None, t["id"])), None)
    if chosen is None:
        known = ", ".join(t["id"] for t in tenants)
        raise ClientError(f"{provider} has no tenant {tenant!r}; known: {known}")
    run = _Recipe(client, loaded, chosen)
    resource = run.create(recipe)
    state = client.call("GET", f"/_sandbox/resources/{provider}/{resource}")["state"]
    write(f"{provider} {chosen['id']}: created {recipe.kind} {resource} ({state})")
    for step in recipe.steps:
        if isinstance(step, str):
            state = simulate(client, provider, resource, step)["state"]
            write(f"  {step} → {state}")
        else:
            run.call(step)
            state = client.call("GET", f"/_sandbox/resources/{provider}/{resource}")["state"]
            write(f"  {step.method} {_fill(step.path, run.values)} → {state}")
    deliveries = client.call(
        "GET", "/_sandbox/webhooks", params={"resource_id": resource, "event": event}
    )["data"]
    if deliveries:
        write(
            f"{event}: webhook {deliveries[0]['id']} to {deliveries[0]['url']} "
            f"({deliveries[0]['status']}; `GET /_sandbox/webhooks?resource_id={resource}`)"
        )
    else:
        write(
            f"{event}: emitted, but {provider} {chosen['id']} has no webhook endpoint; watch "
            f"with `paysandbox webhooks listen --register {provider}:{chosen['id']}`"
        )
    return resource


# -- webhook endpoints while listening -------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    """A tenant's webhook endpoint before `webhooks listen` pointed it elsewhere."""

    provider: str
    tenant: str
    url: str | None
    secret: str | None


def register(client: SandboxClient, provider: str, tenant: str, url: str) -> Registration:
    """Points a tenant's webhooks at `url`; returns what to restore afterwards."""
    endpoints = client.call("GET", "/_sandbox/webhooks/endpoints")["data"]
    before = next(
        (e for e in endpoints if e["provider"] == provider and e["tenant"] == tenant), None
    )
    if before is None:
        known = ", ".join(f"{e['provider']}:{e['tenant']}" for e in endpoints) or "none"
        raise ClientError(f"no {provider} tenant {tenant!r} receives webhooks; known: {known}")
    client.call("PUT", f"/_sandbox/webhooks/endpoints/{provider}/{tenant}", json={"url": url})
    return Registration(provider, tenant, before["url"], before["secret"])


def restore(client: SandboxClient, previous: Registration) -> str:
    """Puts a tenant's endpoint back as it was; says what it did."""
    where = f"/_sandbox/webhooks/endpoints/{previous.provider}/{previous.tenant}"
    if previous.url is None:
        client.call("DELETE", where, ok=(204, 404))
        return f"{previous.provider}:{previous.tenant} has no webhook endpoint again"
    client.call("PUT", where, json={"url": previous.url, "secret": previous.secret})
    return f"{previous.provider}:{previous.tenant} sends its webhooks to {previous.url} again"
