"""Sandbox configuration: one dataclass, filled from CLI options or a YAML file."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from sandbox.clock import parse_instant

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
    # -- what `serve` prints --
    banner: bool = True  # where everything is, at start
    log: list[str] = field(default_factory=list)  # "requests": one line per exchange
    log_format: str = "text"  # or "json" (one object per line)

    def __post_init__(self) -> None:
        problems = _type_problems(self) or _entry_problems(self)
        if problems:
            raise ValueError("; ".join(problems))

    @classmethod
    def from_file(cls, path: str | Path, **overrides: Any) -> "SandboxConfig":
        """Reads a YAML config file (keys with dashes or underscores); keyword overrides
        that are not None win."""
        try:
            raw = yaml.safe_load(Path(path).read_text()) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}: " if mark is not None else ""
            problem = getattr(exc, "problem", None) or "not valid YAML"
            raise ValueError(f"{path}: {where}{problem}") from None
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: expected a mapping of configuration keys at the top")
        raw = {str(key).replace("-", "_"): _plain(value) for key, value in raw.items()}
        unknown = set(raw) - set(KEYS)
        if unknown:
            raise ValueError(
                f"{path}: unknown configuration key(s) {', '.join(sorted(unknown))}; "
                f"valid keys: {', '.join(KEYS)} (see `paysandbox config --example`)"
            )
        raw.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**raw)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None


KEYS = tuple(f.name for f in fields(SandboxConfig))


def _plain(value: Any) -> Any:
    # YAML reads an unquoted 2024-01-15T10:00:00Z as a datetime; the sandbox wants the text.
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


LOG_CHOICES = ("requests",)
LOG_FORMATS = ("text", "json")


def _accepts(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        return any(_accepts(value, arm) for arm in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is list:
        (item,) = typing.get_args(hint)
        return isinstance(value, list) and all(_accepts(v, item) for v in value)
    if origin is dict:
        return isinstance(value, dict)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


_TYPE_NAMES = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}


def _type_problems(config: SandboxConfig) -> list[str]:
    hints = typing.get_type_hints(SandboxConfig)
    problems = []
    for name in KEYS:
        value, hint = getattr(config, name), hints[name]
        if not _accepts(value, hint):
            wanted = " or ".join(
                _TYPE_NAMES.get(arm, "nothing" if arm is type(None) else str(arm))
                for arm in (
                    typing.get_args(hint)
                    if typing.get_origin(hint) in (types.UnionType, typing.Union)
                    else (hint,)
                )
            )
            problems.append(f"{name} must be {wanted}, not {value!r}")
    return problems


def _entry_problems(config: SandboxConfig) -> list[str]:
    problems = []
    if not 0 <= config.port <= 65535:
        problems.append(f"port {config.port} is out of range: use 1-65535 (0 picks a free one)")
    if config.clock_start is not None and isinstance(config.clock_start, str):
        try:
            parse_instant(config.clock_start)
        except ValueError:
            problems.append(
                f"clock_start {config.clock_start!r} is not an ISO instant; "
                "write it like 2024-01-15T10:00:00Z"
            )
    if config.workers < 1:
        problems.append(f"workers must be at least 1, not {config.workers}")
    for provider, tenants in config.tenants.items():
        if not isinstance(tenants, list):
            problems.append(f"tenants.{provider} must be a list of tenants")
            continue
        for index, tenant in enumerate(tenants):
            missing = {"id", "name", "credentials"} - set(
                tenant if isinstance(tenant, dict) else ()
            )
            if missing:
                problems.append(
                    f"tenants.{provider}[{index}] lacks {', '.join(sorted(missing))} "
                    "(each tenant needs id, name and credentials)"
                )
    for index, endpoint in enumerate(config.webhooks):
        missing = {"provider", "tenant", "url"} - set(
            endpoint if isinstance(endpoint, dict) else ()
        )
        if missing:
            problems.append(
                f"webhooks[{index}] lacks {', '.join(sorted(missing))} "
                "(each endpoint needs provider, tenant and url; secret is optional)"
            )
    unknown_logs = set(config.log) - set(LOG_CHOICES)
    if unknown_logs:
        problems.append(
            f"log {', '.join(sorted(unknown_logs))} is unknown: choose from {', '.join(LOG_CHOICES)}"
        )
    if config.log_format not in LOG_FORMATS:
        problems.append(f"log_format {config.log_format!r}: choose {' or '.join(LOG_FORMATS)}")
    return problems


# What `paysandbox config --example` says about each key: (comment, example value or None
# to show the default). Every field of SandboxConfig must have an entry (a test checks).
NOTES: dict[str, tuple[str, Any]] = {
    "host": ("bind address; anything but loopback requires a control token (--host)", None),
    "port": ("port; 0 picks a free one (--port)", None),
    "db": (
        "SQLite file: state, clock and timers survive restarts; in memory when unset (--db)",
        "sandbox.db",
    ),
    "seed": ("seed of ids and fake data: the same seed gives the same ids (--seed)", None),
    "clock_start": (
        "sandbox time at start; real time when unset (--clock-start)",
        "2024-01-15T10:00:00Z",
    ),
    "clock_frozen": (
        "time stands still until advanced through the control API (--clock-frozen)",
        None,
    ),
    "scenarios": (
        "scenario files loaded at start (--scenario, repeatable)",
        ["scenarios/zwitch/slow-bank.yaml"],
    ),
    "validate_responses": (
        "answer 500 if a response ever leaves its spec (--validate-responses)",
        None,
    ),
    "fast_path": (
        "serve provider operations without Connexion's middleware stack (same answers, faster)",
        None,
    ),
    "workers": ("processes sharing one database file (--workers)", None),
    "journal_size": ("exchanges the request journal keeps", None),
    "tick_seconds": ("how often due timers fire while time runs, in seconds", None),
    "public_url": (
        "base URL of links the sandbox hands out (--public-url)",
        "http://127.0.0.1:8000",
    ),
    "tenants": (
        "replace a provider's default tenants (see `paysandbox credentials --json`)",
        {
            "zwitch": [
                {
                    "id": "acc_9000000009",
                    "name": "Chai Point",
                    "credentials": {
                        "access_key": "ak_chai",
                        "secret_key": "sk_chai",
                        "webhook_secret": "whsec_chai",
                    },
                    "profile": {
                        "accounts": ["acc_9000000009"],
                        "merchant_name": "Chai Point",
                        "users_id": 1,
                    },
                }
            ]
        },
    ),
    "webhooks": (
        "webhook endpoints set at start: provider, tenant, url, secret (optional)",
        [
            {
                "provider": "zwitch",
                "tenant": "acc_1234567890",
                "url": "http://127.0.0.1:9000/webhooks",
            }
        ],
    ),
    "providers": ("serve only these providers; all when unset", ["zwitch"]),
    "control_token": (
        "every /_sandbox call must send it as X-Sandbox-Token (--control-token, "
        "or $PAYSANDBOX_CONTROL_TOKEN)",
        "change-me",
    ),
    "allowed_hosts": (
        "Host names answered besides loopback and public_url (--allowed-host)",
        ["sandbox.internal"],
    ),
    "max_body_bytes": ("larger request bodies get 413 (--max-body-bytes)", None),
    "max_header_bytes": ("larger request lines + headers get 431 (--max-header-bytes)", None),
    "inbox_max_entries": ("entries kept per test inbox; the oldest are dropped", None),
    "inbox_max_bytes": ("bytes kept per test inbox; the oldest entries are dropped", None),
    "webhook_history": ("finished webhook deliveries kept (with their attempts)", None),
    "deliver_batch": ("most delivery attempts one `POST /_sandbox/webhooks/deliver` makes", None),
    "page_secret": (
        "key of the hosted pages' form tokens; generated at start when unset",
        "a-long-random-string",
    ),
    "banner": ("print where everything is at start (--no-banner / --quiet turn it off)", None),
    "log": ("what to print while serving: requests = one line per exchange (--log)", ["requests"]),
    "log_format": ("text, or json for machines (--log-format)", None),
    "provider_rate_limits": (
        "enforce the providers' own documented rate limits (Zaakpay: two reports an hour)",
        None,
    ),
    "scenario_max_bytes": ("largest scenario document accepted (bigger ones get 413)", None),
    "scenario_max_alias_nodes": (
        "most nodes YAML aliases may add to a scenario when expanded (a billion laughs adds "
        "millions)",
        None,
    ),
    "max_fault_latency_seconds": ("longest `latency` a scenario's fault rule may ask for", None),
}


def example() -> str:
    """A commented example configuration file naming every key, with its default."""
    lines = [
        "# paysandbox configuration: paysandbox serve --config FILE",
        "# Every key is optional; keys take dashes or underscores (clock-start = clock_start);",
        "# options given on the command line win over the file. Commented keys show an example",
        "# of a setting that is off (unset) by default.",
    ]
    defaults = SandboxConfig()
    for item in fields(SandboxConfig):
        note, sample = NOTES[item.name]
        default = getattr(defaults, item.name)
        lines.append("")
        lines.append(f"# {note}")
        if sample is None:
            lines.append(_yaml({item.name: default}))
        else:  # off by default: a commented example
            lines += [f"# {line}" for line in _yaml({item.name: sample}).splitlines()]
    return "\n".join(lines) + "\n"


def _yaml(value: dict[str, Any]) -> str:
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=False, width=100).rstrip()
