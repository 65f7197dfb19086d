"""ZazPay form signatures and IPN signing: md5(secret + "k1=v1&k2=v2...").

Seed 001 (every `signature` argument): "md5(secret_string + form_fields) ... Concatenate all
the form fields like this except signature. e.g., "currency_code=USD&item_name=purchase&
amount=10.00"". ZazPay's public PHP client (seeds/README.md) builds the same string over
its fields in insertion order with values not URL-encoded, and verifies IPNs the same way,
so the two agree: every field but `signature`, in the order posted, `key=value` joined by
`&`, raw (decoded) values, the secret prefixed, lowercase hex md5. A field posted twice
counts once, at its first position with its last value, because that is what a PHP server
(`$_POST`) and the PHP client's arrays see.
"""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qsl, urlencode

SIGNATURE = "signature"
MAX_FIELDS = 200

Fields = Mapping[str, Any] | Iterable[tuple[str, Any]]


def php_string(value: Any) -> str:
    """A field value as PHP would concatenate it (bodies and IPNs carry strings; other
    scalars appear only when a JSON client sends them)."""
    if isinstance(value, str):
        return value
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, (int, Decimal)):
        return str(value)
    raise TypeError(f"cannot sign a {type(value).__name__} field value")


def ordered_fields(fields: Fields) -> dict[str, str]:
    """Fields in posted order, a repeated one at its first position with its last value."""
    pairs = fields.items() if isinstance(fields, Mapping) else fields
    ordered: dict[str, str] = {}
    for key, value in pairs:
        ordered[key] = php_string(value)  # re-assigning keeps the first position
    return ordered


def form_fields(body: bytes | str) -> list[tuple[str, str]]:
    """The fields of a form-encoded body, in order, duplicates and blanks kept."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)


def signed_string(fields: Fields) -> str:
    """`k1=v1&k2=v2...` over every field but `signature`, values not URL-encoded."""
    return "&".join(
        f"{key}={value}" for key, value in ordered_fields(fields).items() if key != SIGNATURE
    )


def sign(secret: str, fields: Fields) -> str:
    """md5(secret + signed_string(fields)), lowercase hex."""
    return hashlib.md5((secret + signed_string(fields)).encode("utf-8")).hexdigest()


def verify(secret: str, fields: Fields) -> bool | None:
    """Whether the posted `signature` matches; None when no signature was posted (the
    seed makes it optional)."""
    posted = ordered_fields(fields).get(SIGNATURE)
    if posted is None:
        return None
    return hmac.compare_digest(posted.strip().lower(), sign(secret, fields))


def signed_ipn(secret: str, fields: Fields) -> list[tuple[str, str]]:
    """IPN fields with `signature` appended (as the seed's subscription payment example)."""
    ordered = [(k, v) for k, v in ordered_fields(fields).items() if k != SIGNATURE]
    return [*ordered, (SIGNATURE, sign(secret, ordered))]


def encode_ipn(secret: str, fields: Fields) -> bytes:
    """A signed IPN as the form-encoded body that is posted to `notify_url`."""
    return urlencode(signed_ipn(secret, fields)).encode("ascii")


def verify_ipn(secret: str, body: bytes | str) -> bool:
    """Verifies a received IPN body the way ZazPay's public client does."""
    return verify(secret, form_fields(body)) is True
