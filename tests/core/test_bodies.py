"""The one body decoder (`sandbox/bodies.py`) and the layers that share it: fault matching on
form bodies and webhook tampering that keeps a body's encoding."""

from __future__ import annotations

from urllib.parse import unquote_plus

import httpx
import pytest
import python_multipart
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sandbox import bodies
from sandbox.errors import RequestInvalid
from sandbox.faults import FaultRule, Trigger
from sandbox.providers.base import Webhooks
from sandbox.webhooks import _tampered_body
from tests.providers.formpay import TOKEN, sandbox_pair


def test_json_and_plus_json_bodies_decode_as_json():
    assert bodies.decode(b'{"a": [1, 2.5]}', "application/json") == {"a": [1, 2.5]}
    assert bodies.decode(b'{"a": 1}', "application/merge-patch+json; charset=utf-8") == {"a": 1}
    assert bodies.decode(b'{"a": 1}', None) == {"a": 1}  # no Content-Type: read as JSON


def test_form_bodies_decode_with_repeated_fields_as_lists():
    decoded = bodies.decode(b"a=1&b=x+y&b=%26z&c=", bodies.FORM)
    assert decoded == {"a": "1", "b": ["x y", "&z"], "c": ""}
    assert bodies.decode(b"a=1", None, default=bodies.FORM) == {"a": "1"}


def _as_starlette_reads(raw: bytes) -> list[tuple[str, str]]:
    """Form fields as python-multipart's parser (Starlette's, so Connexion's) splits them."""
    fields: list[tuple[str, str]] = []
    name, value = bytearray(), bytearray()

    def on_field_start() -> None:
        name.clear()
        value.clear()

    def on_field_end() -> None:
        fields.append((unquote_plus(name.decode("latin-1")), unquote_plus(value.decode("latin-1"))))

    parser = python_multipart.QuerystringParser(
        {
            "on_field_start": on_field_start,
            "on_field_name": lambda data, start, end: name.extend(data[start:end]),
            "on_field_data": lambda data, start, end: value.extend(data[start:end]),
            "on_field_end": on_field_end,
        }
    )
    parser.write(raw)
    parser.finalize()
    return fields


@settings(max_examples=2000, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"b", b"=", b"&", b";", b"%", b"+", b"2", b" ", b"\xff"])))
@example([b"&", b"&", b"a", b"&", b"=", b"b", b"&"])
def test_form_fields_split_exactly_as_starlettes_parser(pieces: list[bytes]) -> None:
    raw = b"".join(pieces)
    assert bodies.form_fields(raw) == _as_starlette_reads(raw)


def test_empty_bodies_decode_to_none():
    assert bodies.decode(b"", "application/json") is None
    assert bodies.decode(b"", bodies.FORM) is None


def test_malformed_and_unsupported_bodies_are_told_apart():
    with pytest.raises(RequestInvalid) as raised:
        bodies.decode(b'{"a": NaN}', "application/json")
    assert raised.value.problems[0].rule == "malformed"
    with pytest.raises(bodies.UnsupportedBody):
        bodies.decode(b"hi", "text/plain")
    assert bodies.decode_or_none(b"hi", "text/plain") is None
    assert bodies.decode_or_none(b"{", "application/json") is None


def test_encoding_round_trips_through_the_decoder():
    value = {"amount": "100", "tags": ["a", "b c"]}
    assert bodies.decode(bodies.encode(value, bodies.FORM), bodies.FORM) == value
    assert bodies.decode(bodies.encode(value, "application/json"), None) == value


def test_text_uses_the_declared_charset():
    assert bodies.text("café".encode("latin-1"), "text/plain; charset=latin-1") == "café"
    assert bodies.text("café".encode(), "application/json") == "café"


def _hooks(content_type, encode):
    return Webhooks(
        messages=lambda *_: [],
        sign=lambda *_: {},
        verify=lambda *_: True,
        secret=lambda _t: "s",
        encode=encode,
        content_type=content_type,
    )


def test_tampering_keeps_a_form_webhook_form_encoded():
    hooks = _hooks(bodies.FORM, lambda value: bodies.encode(value, bodies.FORM))
    tampered = _tampered_body("status=captured&amount=100", hooks)
    assert bodies.decode(tampered.encode(), bodies.FORM) == {
        "status": "captured",
        "amount": "10000",
    }


def test_tampering_a_json_webhook_uses_the_providers_encoder():
    hooks = _hooks(
        "application/json", lambda value: b"ENC" + bodies.encode(value, "application/json")
    )
    assert _tampered_body('{"amount": 5}', hooks) == 'ENC{"amount":500}'


@pytest.fixture(scope="module")
def pair():
    with sandbox_pair() as sandboxes:
        yield sandboxes


def test_fault_rules_match_form_bodies_on_both_paths(pair):
    for sb in pair:
        sb.reset()
        sb.runtime.faults = (
            FaultRule(
                trigger=Trigger(key="form-test#0"),
                provider="formpay",
                body={"currency": "INR", "note": "boom"},
                status=503,
            ),
        )
        try:
            headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": bodies.FORM}
            hit = httpx.post(
                f"{sb.url}/formpay/v1/charges",
                content=b"amount=1&currency=INR&note=boom",
                headers=headers,
            )
            miss = httpx.post(
                f"{sb.url}/formpay/v1/charges",
                content=b"amount=1&currency=INR&note=fine",
                headers=headers,
            )
        finally:
            sb.runtime.faults = ()
        assert hit.status_code == 503, hit.text
        assert hit.json()["code"] == "service_unavailable"
        assert miss.status_code == 200, miss.text


def test_the_journal_records_a_body_in_its_declared_charset(pair):
    sb = pair[0]
    httpx.post(
        f"{sb.url}/formpay/v1/charges",
        content="amount=1&currency=INR&note=é".encode("latin-1"),
        headers={
            "Authorization": f"Bearer {TOKEN}",
            "Content-Type": f"{bodies.FORM}; charset=latin-1",
        },
    )
    entries = httpx.get(f"{sb.url}/_sandbox/requests", params={"limit": 1}).json()["data"]
    assert entries[0]["request_body"] == "amount=1&currency=INR&note=é"
