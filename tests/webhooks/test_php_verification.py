"""Zwitch's two documented webhook verifications both accept what the sandbox sends: an
HMAC over the raw body, and the PHP recipe, an HMAC over `json_encode(json_decode($body))`
(PHP re-encodes with its default flags: `/` as `\\/`, non-ASCII as `\\uXXXX`)."""

from __future__ import annotations

import hashlib
import hmac
import json

from sandbox.providers.zwitch.webhooks import encode
from tests.providers.zwitch.helpers import COLLECT_PATH, DOC_TOKEN_BODY
from tests.webhooks.conftest import deliver

SECRET = "whsec_test_zwitch"


def _php_string(text: str) -> str:
    # php_json_escape_string with default flags, character by character.
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\/':
            out.append("\\" + char)
        elif char in "\b\f\n\r\t":
            out.append(json.dumps(char)[1:-1])
        elif code < 0x20:
            out.append(f"\\u{code:04x}")
        elif code < 0x80:
            out.append(char)
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            high, low = divmod(code - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}")
    return "".join(out) + '"'


def php_json_encode(value) -> str:
    """PHP's `json_encode($value)` with default flags (serialize_precision -1)."""
    if isinstance(value, dict):
        members = (f"{_php_string(k)}:{php_json_encode(v)}" for k, v in value.items())
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(php_json_encode(v) for v in value) + "]"
    if isinstance(value, str):
        return _php_string(value)
    if value is True or value is False or value is None:
        return json.dumps(value)
    if isinstance(value, float):
        return repr(value)  # shortest round-trip, with ".0" on whole numbers, as PHP 7.1+
    return str(value)


def php_recipe(body: bytes) -> bytes:
    """`json_encode(json_decode($body))`, as Zwitch's PHP sample recomputes the body."""
    return php_json_encode(json.loads(body)).encode()


def _signature(body: bytes) -> str:
    return hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def test_the_emulation_is_php_json_encode():
    assert php_json_encode({"a": "x/y ₹ 😀", "n": 55.3, "w": 1.0, "l": [True, None]}) == (
        '{"a":"x\\/y \\u20b9 \\ud83d\\ude00","n":55.3,"w":1.0,"l":[true,null]}'
    )


def test_a_body_with_slashes_and_non_ascii_verifies_both_ways(sb, zwitch, control, hooked):
    remark = "Chai ☕ / समोसा, 1/2 dozen"
    zwitch.post(COLLECT_PATH, json={"amount": 55.3, "remark": remark})
    token = {**DOC_TOKEN_BODY, "udf": {"callback_url": "https://shop.example/hooks/zwitch"}}
    zwitch.post("/v1/pg/payment_token", json=token)
    deliver(control)
    bodies = {json.loads(body)["event"]: (headers, body) for headers, body in hooked.received}
    assert set(bodies) == {"payment_pending", "payment_token_created"}
    for headers, body in bodies.values():
        assert b"\\/" in body and b"/" not in body.replace(b"\\/", b"")  # all escaped
        signature = headers["x-zwitch-signature"]
        assert signature == _signature(body)  # the raw-body recipe
        assert signature == _signature(php_recipe(body))  # the PHP recipe
    assert json.loads(bodies["payment_pending"][1])["remark"] == remark


def test_every_character_class_survives_the_php_round_trip():
    body = {
        "slash": "a/b//c",
        "unicode": "₹ é 😀 \u2028",
        "controls": "\t\n\x01\x7f",
        "backslashes": "\\u007f \\\x7f \\/",
        "number": 100.5,
        "whole": 1.0,
        "nested": [{"empty": {}}, []],
    }
    encoded = encode(body)
    assert json.loads(encoded) == body
    assert php_recipe(encoded) == encoded
