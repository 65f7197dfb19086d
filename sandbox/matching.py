"""Small declarative matchers shared by lifecycle outcome rules and scenario rules.

A condition is a mapping of field path → expected value or operator mapping (a mapping is
always read as operators; compare with a whole object through `eq`):
    {"remitter_vpa_handle": "success@upi"}
    {"amount_paise": {"gt": 1000000}, "currency": {"in": ["INR"]}}
Dotted paths reach into nested objects (`customer.email_id`).
"""

from __future__ import annotations

from collections.abc import Mapping  # not typing's alias: its isinstance is ~10× slower
from functools import lru_cache
from typing import Any, Callable

import re2


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = MISSING = _Missing()

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is the caller's error, not a log line


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Any:
    """A `matches` pattern compiled by RE2, whose matching time is linear in the text: a
    rule such as `(a+)+b` cannot stall the server the way a backtracking engine would.
    Raises ValueError for a pattern RE2 does not support (backreferences, lookaround)."""
    if not isinstance(pattern, str):
        raise ValueError(f"a 'matches' pattern must be a string, not {pattern!r}")
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise ValueError(
            f"'matches' pattern {pattern[:80]!r} is not supported: {reason} "
            "(patterns use RE2 syntax: no backreferences or lookaround)"
        ) from None


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda actual, expected: actual == expected,
    "ne": lambda actual, expected: actual != expected,
    "gt": lambda actual, expected: actual is not None and actual > expected,
    "gte": lambda actual, expected: actual is not None and actual >= expected,
    "lt": lambda actual, expected: actual is not None and actual < expected,
    "lte": lambda actual, expected: actual is not None and actual <= expected,
    "in": lambda actual, expected: actual in expected,
    "not_in": lambda actual, expected: actual not in expected,
    "matches": lambda actual, expected: (
        isinstance(actual, str) and compile_pattern(expected).fullmatch(actual) is not None
    ),
    "exists": lambda actual, expected: (actual is not _MISSING) == bool(expected),
}


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted path (`data.0.id` indexes lists), or MISSING when absent."""
    current: Any = data
    for part in path.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif (
            isinstance(current, list)
            and part.lstrip("-").isdigit()
            and -len(current) <= int(part) < len(current)
        ):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def holds(expected: Any, actual: Any) -> bool:
    """True when `actual` satisfies `expected`: a plain value (equality) or an operator
    mapping such as {"gt": 100} (compare with a whole object through {"eq": {...}})."""
    if isinstance(expected, Mapping):
        for op, operand in expected.items():
            if op != "exists" and actual is _MISSING:
                return False
            try:
                if not OPERATORS[op](actual, operand):
                    return False
            except (TypeError, ValueError):  # "gt" between a string and a number; a bad pattern
                return False
        return True
    return actual is not _MISSING and actual == expected


def matches(condition: Mapping[str, Any] | None, data: Any) -> bool:
    """True when every field of the condition holds for `data` (an empty condition holds)."""
    if not condition:
        return True
    for path, expected in condition.items():
        # Outcome rules run on every create: plain top-level equality skips the general path.
        if "." not in path and not isinstance(expected, Mapping) and isinstance(data, Mapping):
            if path not in data or data[path] != expected:
                return False
        elif not holds(expected, lookup(data, path)):
            return False
    return True


def validate_condition(condition: Any) -> None:
    """Raises ValueError if a condition uses an unknown operator or the wrong shape."""
    if condition is None:
        return
    if not isinstance(condition, Mapping):
        raise ValueError("a condition must be a mapping of field to value")
    for path, expected in condition.items():
        if isinstance(expected, Mapping):
            unknown = set(expected) - set(OPERATORS)
            if unknown or not expected:
                raise ValueError(
                    f"unknown operator(s) {sorted(unknown)} for {path!r}; "
                    f"use one of {sorted(OPERATORS)}"
                )
            if "matches" in expected:
                compile_pattern(expected["matches"])
