"""The journal's masking of credential fields in bodies and query strings."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.masking import _SECRET_NAME, mask_headers, mask_text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ('{"api_key": "k1", "amount": 5}', '{"api_key": "***", "amount": 5}'),
        ('{"merchant_secret":"s"}', '{"merchant_secret":"***"}'),
        ('{"Access-Token" :  "a\\"b", "x": "y"}', '{"Access-Token" :  "***", "x": "y"}'),
        ('{"token": "cut short', '{"token": "***"'),  # the journal's size limit cut it
        ('{"jwt": null, "token": 12}', '{"jwt": null, "token": 12}'),  # only strings
        ('{"keyword": "k", "monkey": "m", "tokens": "t"}', None),  # not credential names
        ('{"note": "api_key=abc"}', None),  # inside a value, not a name
        ("api_key=abc&amount=5", "api_key=***&amount=5"),
        ("a=1;PASSWORD=hunter2;b=2", "a=1;PASSWORD=***;b=2"),
        ("?refresh_token=r&x=1", "?refresh_token=***&x=1"),
        ("xapi_key=1", "xapi_key=***"),
        ("", None),
    ],
)
def test_credential_values_are_masked_and_nothing_else(text: str, masked: str | None) -> None:
    assert mask_text(text) == (text if masked is None else masked)


def test_names_past_the_limit_are_left_alone() -> None:
    long_name = "a" * 70 + "_secret"
    assert mask_text(f'{{"{long_name}": "v"}}') == f'{{"{long_name}": "v"}}'
    fits = "a" * 57 + "_secret"
    assert mask_text(f'{{"{fits}": "v"}}') == f'{{"{fits}": "***"}}'


def test_every_field_of_a_list_page_is_looked_at() -> None:
    page = json.dumps([{"id": i, "client_secret": f"s_{i}", "key": f"k{i}"} for i in range(50)])
    masked = json.loads(mask_text(page))
    assert [item["client_secret"] for item in masked] == ["***"] * 50
    assert [item["key"] for item in masked] == [f"k{i}" for i in range(50)]


def test_header_values_keep_their_scheme() -> None:
    assert mask_headers({"Authorization": "Bearer sk", "X-Zwitch-Signature": "ab", "A": "b"}) == {
        "Authorization": "Bearer ***",
        "X-Zwitch-Signature": "***",
        "A": "b",
    }


def test_text_whose_lower_case_is_longer_is_masked_at_the_right_offsets() -> None:
    # "İ" lowers to two characters: hits found in the lowered text would land one off.
    assert mask_text('{"İ": "x", "API_KEY": "k"}') == '{"İ": "x", "API_KEY": "***"}'


_CORES = (
    "api_key", "apikey", "API-KEY", "private_key", "privatekey", "Private-Key", "secret",
    "password", "PassWD", "access_token", "refresh-token", "auth_token", "authorization",
    "token", "jwt", "paykey", "key", "monkey", "keyword", "tokens", "amount", "jwt_id",
)  # fmt: skip
_NAMES = st.builds(
    lambda a, b, c: a + b + c,
    st.sampled_from(("", "x_", "my-", "pay", "client_", "A")),
    st.sampled_from(_CORES),
    st.sampled_from(("", "_v2", "-x", "s")),
)


@settings(max_examples=300, derandomize=True)
@given(st.dictionaries(_NAMES, st.text('abc =&\\"/éİ', max_size=8), max_size=8))
def test_exactly_the_credential_names_of_a_body_are_masked(fields: dict[str, str]) -> None:
    # The definition of a credential name is _SECRET_NAME; the words masking looks for
    # first must never let one of its names pass unmasked.
    expected = {
        name: "***" if _SECRET_NAME.fullmatch(name) else value for name, value in fields.items()
    }
    # ensure_ascii off: non-ASCII text, where RE2 offsets (bytes inside) must map to characters
    assert json.loads(mask_text(json.dumps(fields, ensure_ascii=False))) == expected
    form = "&".join(f"{name}=v{index}" for index, name in enumerate(fields))
    masked = dict(pair.split("=", 1) for pair in mask_text(form).split("&") if pair)
    assert masked == {
        name: "***" if _SECRET_NAME.fullmatch(name) else f"v{index}"
        for index, name in enumerate(fields)
    }
