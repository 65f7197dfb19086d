"""What a provider folder hands to the core: one `Provider` value."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Mapping

from sandbox.errors import ApiError
from sandbox.lifecycle import Draft, Effect
from sandbox.ratelimit import rate_limit_rule
from sandbox.representations import Representation
from sandbox.resources import spec_path
from sandbox.store import Event, Record

if TYPE_CHECKING:
    import flask

    from sandbox.runtime import Runtime


@dataclass(frozen=True)
class Tenant:
    """One merchant / vendor / account holder of a provider.

    `credentials` are what `GET /_sandbox/credentials` shows and auth checks compare;
    `profile` holds the rest of the tenant's fixed facts (account ids, business name)."""

    id: str
    name: str
    credentials: Mapping[str, Any]
    profile: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> "Tenant":
        """Builds a tenant from configuration."""
        missing = {"id", "name", "credentials"} - set(raw)
        if missing:
            raise ValueError(f"tenant configuration lacks {', '.join(sorted(missing))}")
        if (raw.get("profile") or {}).get("rate_limit"):
            rate_limit_rule(raw["profile"]["rate_limit"])  # refused now, not at the first call
        return cls(
            id=str(raw["id"]),
            name=str(raw["name"]),
            credentials=dict(raw["credentials"]),
            profile=dict(raw.get("profile") or {}),
        )

    def to_dict(self) -> dict[str, Any]:
        """The configuration form (also what the credentials endpoint lists)."""
        return {
            "id": self.id,
            "name": self.name,
            "credentials": dict(self.credentials),
            "profile": dict(self.profile),
        }


Builder = Callable[["Runtime", Tenant, Mapping[str, Any], int], Draft]
"""Prepares a resource of one kind from a create-request body (path parameters folded in),
created at the given sandbox instant; used by the provider's handlers and by scenario
fixtures alike. Raises ApiError for a body the provider would refuse."""


@dataclass(frozen=True)
class WebhookMessage:
    """One notification a provider sends for an event: its name and body."""

    event: str  # the provider's event name, e.g. payment_captured
    event_id: str  # unique per notification, for receivers to de-duplicate
    body: Mapping[str, Any]


def _compact_json(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Webhooks:
    """How a provider notifies: which events become which messages, and how they are
    encoded, signed and verified (the sandbox signs with the same code integrators can
    use to verify)."""

    # (event, record after the change, new event id) → messages, possibly none
    messages: Callable[[Event, Record, Callable[[], str]], list[WebhookMessage]]
    sign: Callable[[bytes, str], dict[str, str]]  # body, secret → headers to add
    verify: Callable[[bytes, Mapping[str, str], str], bool]  # body, headers, secret
    secret: Callable[[Tenant], str]  # the tenant's default signing secret
    signature_headers: tuple[str, ...] = ()  # what `sign` adds (a fault can drop them)
    url: Callable[[Record], str | None] = lambda _record: None  # a per-resource target
    encode: Callable[[Mapping[str, Any]], bytes] = _compact_json
    content_type: str = "application/json"


@dataclass(frozen=True)
class ClientRequest:
    """A request a client of the sandbox is about to send, as a client auth hook sees it."""

    method: str  # upper case
    path: str  # under the provider's prefix, e.g. /v1/payments
    headers: Mapping[str, str]
    body: Any  # decoded: a dict for a JSON object or a form, None when there is no body
    clock: Callable[[], int]  # the sandbox clock (epoch ms), read only when needed
    # Contract fuzzing sends deliberately invalid bodies: sign them, but do not repair them.
    negative: bool = False

    def now_ms(self) -> int:
        """The sandbox's current time, for credentials minted on its clock."""
        return self.clock()


@dataclass(frozen=True)
class ClientCredentials:
    """What a client adds to one request to authenticate it."""

    headers: Mapping[str, str] = field(default_factory=dict)
    # Set in a JSON-object or form body (a checksum field, the merchant id it covers).
    body_fields: Mapping[str, Any] = field(default_factory=dict)


ClientAuth = Callable[[Tenant, ClientRequest], ClientCredentials]
"""Computes a tenant's credentials for one request as it is sent: a JWT minted on the
sandbox clock, an HMAC over body fields. Used by `paysandbox contract` (as a Schemathesis
auth provider), scenario steps and the pytest fixture's clients."""


@dataclass(frozen=True)
class Call:
    """One request to the provider's own API in a trigger recipe, sent as the tenant (with
    the credentials `Provider.credentials_for` computes for it: a JWT, a checksum).

    Strings in `path` and `body` are filled with `str.format`: `{tenant}` (its id), `{id}`
    (the created resource's id), `{unique}` (fresh hex, per run), `{digits}` (twelve fresh
    digits, per run: a UTR), `{credentials[...]}` and `{profile[...]}` (the tenant's, as
    `GET /_sandbox/credentials` lists them), `{webhook_url}` (where the tenant's webhooks
    go: its endpoint, else the sandbox's test inbox `trigger-<provider>-<tenant>`), and
    every name an earlier call saved."""

    method: str
    path: str  # under the provider's prefix
    body: Mapping[str, Any] | None = None
    form: bool = False  # form-encoded (as the provider's own clients send it); else JSON
    ok: tuple[int, ...] = (200, 201)  # statuses that mean it worked (a decline is a 402)
    save: Mapping[str, str] = field(default_factory=dict)  # name → dotted field of the answer


@dataclass(frozen=True)
class Trigger:
    """How `paysandbox trigger PROVIDER EVENT` makes a provider emit one webhook event:
    create a resource, then take `steps` in order — a step is a lifecycle transition forced
    through the control API's simulate call, or a `Call` to the provider's API (a customer
    submitting a UTR, a merchant capturing what it authorized).

    The resource is created by `create`, a call whose answer holds its id at `id_field`;
    or, for kinds no API operation creates (ZTake payouts), as a scenario fixture through
    `POST /_sandbox/resources` with `fixture` as its body (filled the same way)."""

    kind: str  # the kind of resource created (lifecycle machine name)
    create: Call | None = None
    steps: tuple["str | Call", ...] = ()
    id_field: str = "id"  # dotted, in the create call's JSON answer
    fixture: Mapping[str, Any] | None = None  # the body of a kind created as a fixture


Authenticator = Callable[[Mapping[str, Any]], "Callable[..., Any] | None"]
"""Given a security scheme from the spec, the function Connexion should call to verify it.
The function returns token info (a dict with at least `tenant`), or raises ApiError."""

ErrorRenderer = Callable[[ApiError], "tuple[Any, int]"]
"""ApiError → (body, status) in the provider's own error shape."""

Seeder = Callable[["Runtime", Tenant], None]
"""Fills one tenant with its seeded start state."""


@dataclass(frozen=True)
class Provider:
    """Everything one provider owns, declared in its folder's `__init__.py`."""

    name: str  # URL prefix and spec file stem
    title: str
    handlers: ModuleType  # operationId → coroutine function of that name
    authenticate: Authenticator
    render_error: ErrorRenderer
    default_tenants: tuple[Tenant, ...]
    seed: Seeder
    auth_hint: str = ""  # appended to 401 messages: how to authenticate
    lifecycle: Path | None = None  # lifecycle.yaml
    effects: Mapping[str, Effect] = field(default_factory=dict)
    builders: Mapping[str, Builder] = field(default_factory=dict)  # kind → builder
    # kind → operationId of the spec operation that creates it: scenario fixture bodies are
    # validated against its request schema (path parameters folded in) before a builder
    # sees them. Every kind with a builder needs an entry; None says no API operation
    # creates that kind (payouts, records of read-only APIs) and its builder checks bodies.
    creates: Mapping[str, str | None] = field(default_factory=dict)
    # The fixed headers a client of this tenant sends (auth): listed by the credentials
    # endpoint, sent by contract runs, scenario steps and the pytest fixture's clients.
    client_headers: Callable[[Tenant], Mapping[str, str]] = lambda _tenant: {}
    # Credentials that depend on the request or the time, computed as each one is sent.
    client_auth: ClientAuth | None = None
    pages: "Callable[[], flask.Blueprint] | None" = None  # human-facing HTML pages
    representations: tuple[Representation, ...] = ()  # path suffixes such as .json / .xml
    webhooks: Webhooks | None = None
    spec: Path | None = None  # the OpenAPI file, when not specs/<name>.yaml (test providers)
    # webhook event name → how to produce it (`paysandbox trigger`)
    triggers: Mapping[str, Trigger] = field(default_factory=dict)
    # kind → the data fields its list filters and sorts use (`store.query`'s `data.<name>`;
    # dotted for nested ones), each indexed by the store.
    indexes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def spec_file(self) -> Path:
        """The provider's OpenAPI file."""
        return self.spec or spec_path(self.name)

    def credentials_for(self, tenant: Tenant, request: ClientRequest) -> ClientCredentials:
        """Everything a client of `tenant` adds to `request`: the fixed headers, then what
        the client auth hook computes for this very request."""
        fixed = dict(self.client_headers(tenant))
        if self.client_auth is None:
            return ClientCredentials(headers=fixed)
        computed = self.client_auth(tenant, request)
        return ClientCredentials(
            headers={**fixed, **computed.headers}, body_fields=dict(computed.body_fields)
        )
