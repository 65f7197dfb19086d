"""How every JSON answer is written: one encoder for both request paths and every error.

Encoding was the largest single cost of a list page (a 5.6 kB Zwitch page took 45 µs in
the standard library's encoder, 13 kB of Zoho payments about 100 µs); orjson writes the
same values in a tenth of that. Connexion is handed the same encoder (`JSONIFIER`), so the
fast path and Connexion still answer byte for byte alike. The text is compact UTF-8
(`{"a":1}`), which any JSON client reads as it read the spaced, ASCII-escaped form.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import orjson
from connexion.jsonifier import Jsonifier

# Datetimes go through `_default` so they read as Connexion's own encoder writes them.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _default(value: Any) -> Any:
    """Connexion's conversions of the types JSON lacks (connexion/jsonifier.py); orjson
    writes a UUID as Connexion does by itself."""
    if isinstance(value, datetime.datetime):
        return value.isoformat("T") if value.tzinfo else value.isoformat("T") + "Z"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def encode(value: Any) -> bytes:
    """`value` as the JSON text of an answer (newline-terminated, as Connexion ends it)."""
    try:
        return orjson.dumps(value, default=_default, option=_OPTIONS | orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:
        # Integers beyond 64 bits (a fuzzer's echoed number) are the one value orjson
        # refuses that JSON allows: the standard library writes them in the same style.
        text = json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"))
        return (text + "\n").encode()


def compact(value: Any) -> str:
    """`value`, plain JSON data, as compact text: how the store keeps it. No conversions:
    a Decimal reaching the store is a bug (money is stored as integer paise) and raises."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class WireJsonifier(Jsonifier):
    """Connexion's jsonifier writing what `encode` writes."""

    def dumps(self, data: Any, **_kwargs: Any) -> str:
        return encode(data).decode()


JSONIFIER = WireJsonifier()
