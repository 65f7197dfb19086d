"""The one body decoder: request and webhook bodies by content type (JSON and `+json`, form
fields, empty), shared by request validation (both paths), fault matching, webhook tampering
and the journal."""

from __future__ import annotations

import json
import math
import re
from typing import Any, Iterable, Mapping, NoReturn
from urllib.parse import unquote_plus, urlencode

from connexion.utils import split_content_type

from sandbox.errors import Problem, RequestInvalid

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


class UnsupportedBody(ValueError):
    """A body of a media type the decoder does not read."""


def content_type(headers: list[tuple[bytes, bytes]] | Mapping[str, str]) -> str | None:
    """The Content-Type header as sent (None when absent): the first one, as Connexion's
    `extract_content_type` reads it (which builds typing objects on every call)."""
    pairs: Iterable[tuple[Any, Any]] = headers if isinstance(headers, list) else headers.items()
    for key, value in pairs:
        name = key.decode("latin-1") if isinstance(key, bytes) else key
        if name.lower() == "content-type":
            return value.decode("latin-1") if isinstance(value, bytes) else value
    return None


def split(content: str | None) -> tuple[str | None, str]:
    """(media type, charset) of a Content-Type value, parsed exactly as Connexion does (so
    both request paths read a header alike, quirks included: a charset counts only right
    after the `;`): no media type when absent, utf-8 by default."""
    mime, charset = split_content_type(content)
    return mime, charset or "utf-8"


def media_type(content: str | None) -> tuple[str | None, str]:
    """(media type lower-cased, charset) of a Content-Type value, read leniently (spaces
    and quotes allowed): for the layers that only read a body, not validate it."""
    if not content:
        return None, "utf-8"
    mime, *parameters = content.split(";")
    charset = "utf-8"
    for parameter in parameters:
        key, _, value = parameter.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip().strip('"')
    return mime.strip().lower() or None, charset


def is_json(mime: str | None) -> bool:
    """Whether a media type is JSON (`application/json` or `application/<anything>+json`)."""
    if not mime or "/" not in mime:
        return False
    major, _, minor = mime.strip().lower().partition("/")
    return major == "application" and (minor == "json" or minor.endswith("+json"))


def is_form(mime: str | None) -> bool:
    """Whether a media type is URL-encoded form fields."""
    return bool(mime) and mime.strip().lower() == FORM  # type: ignore[union-attr]


# -- JSON ------------------------------------------------------------------------------


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


class _TooLarge(ValueError):
    pass


def _finite_float(text: str) -> float:
    # 1e999 would parse to inf without passing through parse_constant.
    value = float(text)
    if value in (math.inf, -math.inf):
        raise _TooLarge(text)
    return value


MAX_JSON_DEPTH = 64  # nested objects/arrays; no API of ours comes close
_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')  # strings are skipped whole
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class JSONLimitError(ValueError):
    """JSON refused by the core's decoding limits; the message says why."""


_PLAIN_JSON = json.JSONDecoder()


def loads_limited(text: str, decoder: json.JSONDecoder = _PLAIN_JSON) -> Any:
    """`decoder.decode` (json.loads' own decoder by default) within the core's limits: at most MAX_JSON_DEPTH
    levels of nesting (deeper input would raise RecursionError, a 500) and no lone UTF-16
    surrogate such as `"\\ud800"` (SQLite cannot store it and no page could render it).
    JSONLimitError says which limit was hit; other ValueErrors are plain syntax errors."""
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH:  # only then can it be too deep
        depth = 0
        for token in _BRACKETS.finditer(text):
            mark = token.group()
            if mark in "[{":
                depth += 1
                if depth > MAX_JSON_DEPTH:
                    raise JSONLimitError(f"is nested more than {MAX_JSON_DEPTH} levels deep")
            elif mark in "]}":
                depth -= 1
    if text.startswith("\ufeff"):  # as json.loads refuses it
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    value = decoder.decode(text)
    if _SURROGATE_ESCAPE.search(text):  # a pair decodes to one character; a lone one stays
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise JSONLimitError(
                "has a lone UTF-16 surrogate escape (such as \\ud800); send text as valid Unicode"
            ) from None
    return value


# Built once, as _PLAIN_JSON: json.loads with options builds a decoder and its scanner per call.
_STRICT_JSON = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def _malformed(message: str) -> RequestInvalid:
    return RequestInvalid([Problem("body", None, "malformed", message)])


def parse_json(raw: bytes, encoding: str = "utf-8") -> Any:
    """A body as strict RFC 8259 JSON (no NaN or Infinity, which would slip past
    `minimum`/`maximum` checks); None when empty; RequestInvalid saying what is wrong."""
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise _malformed(f"The request body is not {encoding} text.") from None
    if not text:
        return None
    try:
        return loads_limited(text, _STRICT_JSON)
    except JSONLimitError as exc:
        raise _malformed(f"The request body {exc}.") from None
    except _TooLarge:
        raise _malformed("The request body has a number too large to represent.") from None
    except (json.JSONDecodeError, ValueError) as exc:
        raise _malformed(f"The request body is not valid JSON: {exc}.") from None


# -- form fields -------------------------------------------------------------------------


def _unquoted(text: str) -> str:
    return unquote_plus(text) if "%" in text or "+" in text else text


def form_fields(raw: bytes) -> list[tuple[str, str]]:
    """URL-encoded fields in order, split and unquoted exactly as Starlette (and so Connexion)
    reads them with python-multipart's parser (tests/core/test_bodies.py compares the two):
    `&` separates fields, empty ones are skipped, a field without `=` has an empty value,
    names and values are unquoted from latin-1 text."""
    fields = []
    for chunk in raw.split(b"&"):
        if chunk:
            name, _, value = chunk.partition(b"=")
            fields.append((_unquoted(name.decode("latin-1")), _unquoted(value.decode("latin-1"))))
    return fields


def form_lists(raw: bytes) -> dict[str, list[str]]:
    """Form fields as name → every value sent, in order."""
    lists: dict[str, list[str]] = {}
    for name, value in form_fields(raw):
        lists.setdefault(name, []).append(value)
    return lists


def parse_form(raw: bytes) -> dict[str, str | list[str]] | None:
    """Form fields as a mapping: a repeated name becomes a list; None when empty."""
    if not raw:
        return None
    return {k: v[0] if len(v) == 1 else v for k, v in form_lists(raw).items()}


# -- any body ----------------------------------------------------------------------------


def decode(raw: bytes, content: str | None, default: str = JSON) -> Any:
    """A body by its Content-Type (`default` when absent): JSON or `+json` → the JSON value,
    form fields → a mapping (repeated names → lists), empty → None. Raises RequestInvalid
    for a malformed body and UnsupportedBody for other media types."""
    mime, charset = media_type(content)
    mime = mime or default
    if not raw:
        return None
    if is_json(mime):
        return parse_json(raw, charset)
    if is_form(mime):
        return parse_form(raw)
    raise UnsupportedBody(mime)


def decode_or_none(raw: bytes, content: str | None, default: str = JSON) -> Any:
    """`decode`, with None for anything it cannot read (for matching, where an unreadable
    body simply matches no body condition)."""
    try:
        return decode(raw, content, default)
    except (RequestInvalid, UnsupportedBody):
        return None


def encode(value: Any, content: str) -> bytes:
    """A value as a body of media type `content` (compact JSON, or form fields with a list
    sent as a repeated name)."""
    mime, charset = media_type(content)
    if is_form(mime):
        return urlencode(value, doseq=True).encode(charset)
    if is_json(mime):
        return json.dumps(value, separators=(",", ":")).encode(charset)
    raise UnsupportedBody(mime)


def text(raw: bytes, content: str | None) -> str:
    """A body as text in the charset its Content-Type names (utf-8 by default; bytes that do
    not decode are replaced, as this is for people reading a record)."""
    _, charset = media_type(content)
    try:
        return raw.decode(charset, "replace")
    except LookupError:
        return raw.decode("utf-8", "replace")
