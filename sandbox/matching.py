"""Small declarative matchers shared by lifecycle outcome rules and scenario rules.

A condition is a mapping of field path → expected value or operator mapping:
    {"remitter_vpa_handle": "success@upi"}
    {"amount_paise": {"gt": 1000000}, "currency": {"in": ["INR"]}}
Dotted paths reach into nested objects (`customer.email_id`).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

_MISSING = object()

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda actual, expected: actual == expected,
    "ne": lambda actual, expected: actual != expected,
    "gt": lambda actual, expected: actual is not None and actual > expected,
    "gte": lambda actual, expected: actual is not None and actual >= expected,
    "lt": lambda actual, expected: actual is not None and actual < expected,
    "lte": lambda actual, expected: actual is not None and actual <= expected,
    "in": lambda actual, expected: actual in expected,
    "not_in": lambda actual, expected: actual not in expected,
    "matches": lambda actual, expected: isinstance(actual, str)
    and re.fullmatch(expected, actual) is not None,
    "exists": lambda actual, expected: (actual is not _MISSING) == bool(expected),
}


def lookup(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path, or a private sentinel when absent."""
    current: Any = data
    for part in path.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        else:
            return _MISSING
    return current


def matches(condition: Mapping[str, Any] | None, data: Mapping[str, Any]) -> bool:
    """True when every field of the condition holds for `data` (an empty condition holds)."""
    for path, expected in (condition or {}).items():
        actual = lookup(data, path)
        if isinstance(expected, Mapping):
            for op, operand in expected.items():
                if op != "exists" and actual is _MISSING:
                    return False
                if not OPERATORS[op](actual, operand):
                    return False
        elif actual is _MISSING or actual != expected:
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
            if unknown:
                raise ValueError(
                    f"unknown operator(s) {sorted(unknown)} for {path!r}; "
                    f"use one of {sorted(OPERATORS)}"
                )
