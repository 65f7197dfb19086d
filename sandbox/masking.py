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
_SECRET_NAME = re.compile(_FIELD, re.IGNORECASE)
# Words of which any credential field name holds one: most bodies hold none, and a plain
# substring test (much cheaper than a case-insensitive pattern) lets the journal skip them.
_SECRET_WORDS = ("passw", "secret", "key", "token", "authorization", "jwt")
# "field": "value" in JSON (the value may be cut short by the journal's size limit). Names
# are matched as whole words and tested afterwards: a pattern that searched for the secret
# words inside every name would backtrack over each one, quadratic in a long body.
_JSON_FIELD = re.compile(r'("([\w-]{1,64})"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|$)')
# field=value in a query string or a form body.
_FORM_FIELD = re.compile(r"((?:^|[&?;])([\w-]{1,64})=)[^&;\s]*")


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


def _json_value(found: re.Match[str]) -> str:
    if _SECRET_NAME.fullmatch(found.group(2)):
        return f'{found.group(1)}"{MASK}"'
    return found.group(0)


def _form_value(found: re.Match[str]) -> str:
    if _SECRET_NAME.fullmatch(found.group(2)):
        return f"{found.group(1)}{MASK}"
    return found.group(0)


def mask_text(text: str) -> str:
    """A body or query string with the values of credential fields masked."""
    if not text:
        return text
    lowered = text.lower()
    if not any(word in lowered for word in _SECRET_WORDS):
        return text
    return _FORM_FIELD.sub(_form_value, _JSON_FIELD.sub(_json_value, text))
