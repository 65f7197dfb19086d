"""Sandbox configuration: one dataclass, filled from CLI options or a YAML file."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

DEFAULT_SEED = 20240115
TOKEN_HEADER = "X-Sandbox-Token"  # how clients send the control token
TOKEN_VARIABLE = "PAYSANDBOX_CONTROL_TOKEN"  # where clients and `serve` find it


@dataclass
class SandboxConfig:
    """Everything a sandbox instance can be told at start-up."""

    host: str = "127.0.0.1"
    port: int = 8000
    db: str | None = None  # SQLite file; in memory when None
    seed: int = DEFAULT_SEED
    clock_start: str | None = None  # ISO instant; the real current time when None
    clock_frozen: bool = False  # time stands still until advanced
    scenarios: list[str] = field(default_factory=list)
    validate_responses: bool = False  # answer 500 when a handler leaves its spec (tests)
    fast_path: bool = True  # serve provider operations without Connexion's middleware stack
    workers: int = 1  # processes serving one database (state shared through SQLite)
    journal_size: int = 1000
    tick_seconds: float = 0.25  # how often due timers are fired while time runs
    public_url: str | None = None  # base URL in links the sandbox hands out
    tenants: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Webhook endpoints set at start: [{provider, tenant, url, secret?}]
    webhooks: list[dict[str, Any]] = field(default_factory=list)
    providers: list[str] | None = None  # serve only these (all registered when None)
    # -- running it safely (README "Running it safely") --
    # Required on every control call when set; generated at start when the bind address
    # is not loopback (see sandbox/guard.py).
    control_token: str | None = None
    allowed_hosts: list[str] = field(default_factory=list)  # Host names besides loopback
    max_body_bytes: int = 4 * 1024 * 1024  # larger request bodies get 413
    max_header_bytes: int = 32 * 1024  # request line + headers; larger get 431
    inbox_max_entries: int = 1000  # per test inbox; the oldest are dropped first
    inbox_max_bytes: int = 8 * 1024 * 1024  # per test inbox; the oldest are dropped first
    webhook_history: int = 5000  # finished deliveries kept (with their attempts)
    deliver_batch: int = 500  # most delivery attempts one `deliver` call makes
    page_secret: str | None = None  # keys hosted pages' form tokens; generated when None
    # Enforce the providers' own documented rate limits (scenario-injected limits always
    # apply); contract runs against the in-process sandbox lift them.
    provider_rate_limits: bool = True
    # Scenario documents: larger ones are refused with 413; aliases (YAML's &anchor/*ref)
    # may add at most this many nodes when expanded (a "billion laughs" adds millions).
    scenario_max_bytes: int = 4_000_000
    scenario_max_alias_nodes: int = 100_000
    max_fault_latency_seconds: float = 60.0  # a fault rule's `latency` may not exceed this

    @classmethod
    def from_file(cls, path: str | Path, **overrides: Any) -> "SandboxConfig":
        """Reads a YAML config file; keyword overrides that are not None win."""
        raw = yaml.safe_load(Path(path).read_text()) or {}
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown configuration key(s): {', '.join(sorted(unknown))}")
        raw.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**raw)
