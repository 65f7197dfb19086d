"""Fixed-window rate limits on the sandbox clock, counted in the store so that every worker
shares them and a reset (or a clock advance into the next window) clears them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sandbox.lifecycle import parse_duration
from sandbox.store import Store


@dataclass(frozen=True)
class Limit:
    """`calls` allowed per `window_ms` of sandbox time."""

    calls: int
    window_ms: int


def configured(
    settings: Mapping[str, Mapping[str, Any]], provider: str, default: Limit | None
) -> Limit | None:
    """A provider's limit: its `rate_limits:` configuration entry (`{calls: 2, window: 1h}`,
    or `{enabled: false}`), else the provider's documented default (None: unlimited)."""
    entry = settings.get(provider)
    if entry is None:
        return default
    if entry.get("enabled", True) is False:
        return None
    calls = entry.get("calls", default.calls if default else None)
    window = entry.get("window")
    window_ms = (
        parse_duration(window) if window is not None else default.window_ms if default else None
    )
    if calls is None or window_ms is None:
        raise ValueError(f"rate_limits.{provider} needs calls and window (e.g. 2 and 1h)")
    return Limit(int(calls), window_ms)


def consume(store: Store, key: str, limit: int, window_ms: int, now_ms: int) -> int | None:
    """Counts one call against `key`; returns the seconds until the window ends when the call
    is over the limit (for `Retry-After`), or None when it is allowed."""
    window = now_ms // window_ms
    calls = store.next_number(f"ratelimit:{key}:{window}")
    if calls <= limit:
        return None
    remaining_ms = (window + 1) * window_ms - now_ms
    return max(1, -(-remaining_ms // 1000))
