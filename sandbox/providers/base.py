"""What a provider folder hands to the core: one `Provider` value."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Mapping

from sandbox.errors import ApiError
from sandbox.lifecycle import Effect
from sandbox.representations import Representation
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


@dataclass(frozen=True)
class Draft:
    """A new resource as a provider's builder prepares it, before the engine stores it."""

    kind: str
    id: str
    data: dict[str, Any]
    ref: str | None = None
    parent: str | None = None


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
    # The headers a client of this tenant sends (auth), for contract runs and scenarios.
    client_headers: Callable[[Tenant], Mapping[str, str]] = lambda _tenant: {}
    pages: "Callable[[], flask.Blueprint] | None" = None  # human-facing HTML pages
    representations: tuple[Representation, ...] = ()  # path suffixes such as .json / .xml
    webhooks: Webhooks | None = None
    # kind → the data fields its list filters and sorts use (`store.query`'s `data.<name>`;
    # dotted for nested ones), each indexed by the store.
    indexes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
