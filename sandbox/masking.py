"""Masks secrets before the request journal keeps them: credential headers, signature
headers and known credential fields of bodies and query strings."""

from __future__ import annotations

import re

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
# "field": "value" in JSON (the value may be cut short by the journal's size limit).
_JSON_FIELD = re.compile(rf'("(?:{_FIELD})"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|$)', re.IGNORECASE)
# field=value in a query string or a form body.
_FORM_FIELD = re.compile(rf"((?:^|[&?;])(?:{_FIELD})=)[^&;\s]*", re.IGNORECASE)


def _masked_header(name: str, value: str) -> str:
    scheme, space, _ = value.partition(" ")
    # Keep the scheme: "Bearer ***" still tells which kind of credential was sent.
    if space and name.endswith("authorization") and scheme.isalpha():
        return f"{scheme} {MASK}"
    return MASK


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    """`headers` with the value of every credential or signature header masked."""
    return {
        name: _masked_header(name.lower(), value)
        if name.lower() in _SECRET_HEADERS
        or any(word in name.lower() for word in _SECRET_HEADER_WORDS)
        else value
        for name, value in headers.items()
    }


def mask_text(text: str) -> str:
    """A body or query string with the values of credential fields masked."""
    if not text:
        return text
    return _FORM_FIELD.sub(rf"\g<1>{MASK}", _JSON_FIELD.sub(rf'\g<1>"{MASK}"', text))
