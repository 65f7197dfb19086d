"""What `paysandbox serve` prints at start: where every API, its docs, the control API, the
console and the test credentials are, and how time and state behave."""

from __future__ import annotations

from sandbox.clock import iso_z, parse_instant
from sandbox.config import TOKEN_HEADER, SandboxConfig
from sandbox.providers import load_providers

_UNSPECIFIED = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}


def base_url(config: SandboxConfig) -> str:
    """The URL a local client reaches this sandbox on."""
    if config.public_url:
        return config.public_url.rstrip("/")
    host = _UNSPECIFIED.get(config.host, config.host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{config.port}"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("paysandbox")
    except PackageNotFoundError:
        return "(not installed)"


def clock_mode(config: SandboxConfig) -> str:
    """How sandbox time behaves, in words."""
    if config.clock_frozen:
        start = iso_z(parse_instant(config.clock_start)) if config.clock_start else "start"
        return f"frozen at {start} (moves only with `paysandbox clock advance`)"
    if config.clock_start:
        return f"running, from {iso_z(parse_instant(config.clock_start))}"
    return "real time (`paysandbox clock advance 2h` to travel, `freeze` to stop)"


def database(config: SandboxConfig) -> str:
    """Where state lives, in words."""
    if config.db is None:
        if config.workers > 1:
            return "a temporary file shared by the workers (gone on exit)"
        return "in memory (gone on exit; --db FILE keeps it)"
    return f"file {config.db} (state, clock and timers survive restarts)"


def banner(config: SandboxConfig) -> str:
    """The start-up banner for `config`."""
    url = base_url(config)
    providers = load_providers(config.providers)
    width = max([len(p.title) for p in providers.values()] + [11])
    lines = [f"paysandbox {_version()} on {url}", ""]
    apis = [(p.title, f"{url}/{name}") for name, p in providers.items()]
    apis.append(("control API", f"{url}/_sandbox"))
    column = max(len(base) for _, base in apis)
    for title, base in apis:
        lines.append(f"  {title:<{width}}  {base:<{column}}  docs {base}/ui/")
    lines += [
        f"  {'console':<{width}}  {url}/",
        f"  {'credentials':<{width}}  `paysandbox credentials` or GET {url}/_sandbox/credentials",
        f"  {'clock':<{width}}  {clock_mode(config)}",
        f"  {'database':<{width}}  {database(config)}",
    ]
    if config.workers > 1:
        lines.append(f"  {'workers':<{width}}  {config.workers} processes")
    for path in config.scenarios:
        lines.append(f"  {'scenario':<{width}}  {path}")
    if config.control_token:
        lines.append(
            f"  {'control token':<{width}}  send '{TOKEN_HEADER}: {config.control_token}' "
            "on /_sandbox calls (or set PAYSANDBOX_CONTROL_TOKEN for the client verbs)"
        )
    if config.log:
        lines.append(f"  {'log':<{width}}  {', '.join(config.log)} ({config.log_format})")
    lines += ["", "Ctrl-C to stop."]
    return "\n".join(lines)
