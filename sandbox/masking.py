"""Masks secrets before the request journal keeps them: credential headers, signature
headers and known credential fields of bodies and query strings."""

from __future__ import annotations

import functools
import re

import re2

MASK = "***"
_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-sandbox-token",
    }
)
# Any header whose name says it carries a signature, secret, token or password.
_SECRET_HEADER_WORDS = ("signature", "secret", "token", "password", "checksum", "api-key")
_FIELD = (
    r"[\w-]*(?:password|passwd|secret|api[_-]?key|apikey|access[_-]?token|refresh[_-]?token"
    r"|auth[_-]?token|authorization|private[_-]?key)[\w-]*|token|jwt"
)
_SECRET_NAME = re.compile(_FIELD, re.IGNORECASE)
# Where a credential name may be: any name that _SECRET_NAME accepts holds one of these
# words, in any case. Masking visits only the hits, so a large body without credentials
# costs one linear scan (RE2's automaton, case-insensitive, about a third of what lowering
# the text and searching it for each word took) and a list page names a secret word a
# handful of times, not every field. Not "key" alone: names like ZazPay's `paykey` are no
# credential (only API and private keys are), and a listing names one per row.
_SECRET_WORD = re2.compile("(?i)passw|secret|api[_-]?key|private|token|authorization|jwt")
_NAME_LIMIT = 64
_NAME_TAIL = re.compile(r"[\w-]*")
# A name's start: the run of name characters ending where the search ends, beginning at a
# boundary (so positions inside the run fail at once instead of each backtracking).
_NAME_HEAD = re.compile(r"(?<![\w-])[\w-]*+\Z")
# What follows a JSON name: the colon and a string value (which the journal's size limit
# may have cut short).
_JSON_VALUE = re.compile(r'[ \t\r\n]*:[ \t\r\n]*("(?:[^"\\]|\\.)*(?:"|$))')
# The value of a form or query field runs to the next separator.
_FORM_VALUE = re.compile(r"[^&;\s]*")


def _masked_header(name: str, value: str) -> str:
    scheme, space, _ = value.partition(" ")
    # Keep the scheme: "Bearer ***" still tells which kind of credential was sent.
    if space and name.endswith("authorization") and scheme.isalpha():
        return f"{scheme} {MASK}"
    return MASK


@functools.lru_cache(maxsize=1024)  # every request sends the same few header names
def _is_secret_header(name: str) -> bool:
    return name in _SECRET_HEADERS or any(word in name for word in _SECRET_HEADER_WORDS)


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    """`headers` with the value of every credential or signature header masked."""
    return {
        name: _masked_header(name.lower(), value) if _is_secret_header(name.lower()) else value
        for name, value in headers.items()
    }


def _name_around(text: str, start: int, end: int) -> tuple[int | None, int]:
    """The bounds of the run of name characters holding text[start:end]; the start is None
    when the run begins further back than the name limit."""
    end = _NAME_TAIL.match(text, end).end()  # type: ignore[union-attr]
    head = _NAME_HEAD.search(text, max(0, start - _NAME_LIMIT), start)
    return (None if head is None else head.start()), end


def mask_text(text: str) -> str:
    """A body or query string with the values of credential fields masked: a JSON string
    value (`"api_key": "..."`) or a form or query value (`api_key=...`)."""
    pieces: list[str] = []
    done = 0  # text before this offset is copied or replaced already
    seen = 0  # hits before this offset lie in a name already looked at
    for hit in _SECRET_WORD.finditer(text):
        if hit.start() < seen:
            continue
        start, end = _name_around(text, hit.start(), hit.end())
        seen = end
        if start is None or end - start > _NAME_LIMIT or start < done:
            continue
        if not _SECRET_NAME.fullmatch(text, start, end):
            continue
        before = text[start - 1] if start else ""
        if before == '"' and text.startswith('"', end):
            value = _JSON_VALUE.match(text, end + 1)
            if value is not None:
                pieces += [text[done : value.start(1)], f'"{MASK}"']
                done = seen = value.end()
        elif before in ("", "&", "?", ";") and text.startswith("=", end):
            value_end = _FORM_VALUE.match(text, end + 1).end()  # type: ignore[union-attr]
            pieces += [text[done : end + 1], MASK]
            done = seen = value_end
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)
