"""Sandbox configuration: one dataclass, filled from CLI options or a YAML file."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

DEFAULT_SEED = 20240115


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
    # Per-provider API rate limits on the sandbox clock: {zaakpay: {calls: 2, window: 1h}};
    # `{enabled: false}` lifts one. Providers without an entry keep their documented limit.
    rate_limits: dict[str, dict[str, Any]] = field(default_factory=dict)

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
