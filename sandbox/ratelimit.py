"""Fixed-window rate limits on the sandbox clock, counted in the store so that every worker
shares them and a reset (or a clock advance into the next window) clears them."""

from __future__ import annotations

from typing import Any

from sandbox.lifecycle import parse_duration
from sandbox.store import Store


def consume(store: Store, key: str, limit: int, window_ms: int, now_ms: int) -> int | None:
    """Counts one call against `key`; returns the seconds until the window ends when the call
    is over the limit (for `Retry-After`), or None when it is allowed."""
    window = now_ms // window_ms
    calls = store.next_number(f"ratelimit:{key}:{window}")
    if calls <= limit:
        return None
    remaining_ms = (window + 1) * window_ms - now_ms
    return max(1, -(-remaining_ms // 1000))


def rate_limit_rule(rule: Any) -> tuple[int, int]:
    """(calls, window in ms) of a `{limit: 2, per: 1h}` rule; ValueError saying what is
    wrong with it otherwise."""
    if not isinstance(rule, dict) or not isinstance(rule.get("limit"), int) or rule["limit"] < 1:
        raise ValueError(f"rate_limit must be {{limit: N (1 or more), per: 1h}}, not {rule!r}")
    return rule["limit"], parse_duration(rule.get("per", "1m"))
