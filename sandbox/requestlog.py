"""`paysandbox serve --log requests`: one line per exchange, as text or JSON. Built only when
asked for, so serving without it costs one `is None` check per request."""

from __future__ import annotations

import json
import sys
from typing import Any, Callable, TextIO

from sandbox.config import SandboxConfig
from sandbox.store import JournalEntry

RequestLog = Callable[[JournalEntry, "str | None"], None]


def request_logger(config: SandboxConfig, out: TextIO | None = None) -> RequestLog | None:
    """The writer of request lines `config` asks for, or None."""
    if "requests" not in config.log:
        return None
    as_json = config.log_format == "json"

    def write(entry: JournalEntry, tenant: str | None) -> None:
        stream = out or sys.stdout
        at = _iso_ms(entry.at)
        if as_json:
            line = json.dumps(
                {
                    "time": at,
                    "method": entry.method,
                    "path": entry.path,
                    "query": entry.query,
                    "status": entry.status,
                    "ms": entry.duration_ms,
                    "provider": entry.provider or None,
                    "tenant": tenant,
                },
                separators=(",", ":"),
            )
        else:
            path = f"{entry.path}?{entry.query}" if entry.query else entry.path
            line = (
                f"{at} {entry.method:<6} {path} {entry.status} {entry.duration_ms:.1f}ms "
                f"{entry.provider or '-'} {tenant or '-'}"
            )
        stream.write(line + "\n")
        stream.flush()

    return write


def tenant_of(scope: dict[str, Any]) -> str | None:
    """The tenant a provider's security check recognised for this request, if any."""
    context = scope.get("extensions", {}).get("connexion_context", {})
    info = context.get("token_info") if isinstance(context, dict) else None
    tenant = info.get("tenant") if isinstance(info, dict) else None
    return None if tenant is None else str(tenant)


def _iso_ms(ms: int) -> str:
    from sandbox.clock import iso_z

    return f"{iso_z(ms)[:-1]}.{ms % 1000:03d}Z"
