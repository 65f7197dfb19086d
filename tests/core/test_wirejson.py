"""The one JSON encoder of answers (sandbox/wirejson.py): it writes what Connexion's own
encoder means, for every value a handler returns."""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal

from connexion.jsonifier import Jsonifier
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.wirejson import JSONIFIER, encode

_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, derandomize=True)
@given(_JSON_VALUES)
def test_any_json_value_reads_back_as_itself(value):
    text = encode(value)
    assert text.endswith(b"\n")
    assert json.loads(text) == value


def test_types_json_lacks_are_written_as_connexions_encoder_writes_them():
    value = {
        "amount": Decimal("100.50"),
        "naive": datetime.datetime(2024, 1, 15, 10, 0, 0),
        "aware": datetime.datetime(2024, 1, 15, 10, 0, tzinfo=datetime.timezone.utc),
        "day": datetime.date(2024, 1, 15),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        7: "an integer key",
    }
    assert json.loads(encode(value)) == json.loads(Jsonifier().dumps(value))
    assert json.loads(encode(value))["naive"] == "2024-01-15T10:00:00Z"


def test_integers_beyond_64_bits_and_non_ascii_text_are_written():
    assert json.loads(encode({"n": 2**70, "name": "Zoë ₹"})) == {"n": 2**70, "name": "Zoë ₹"}
    assert encode({"a": [1, "b"]}) == b'{"a":[1,"b"]}\n'


def test_connexion_is_handed_the_same_encoder():
    value = {"data": [{"amount": 100.5, "note": "₹ / é"}]}
    assert JSONIFIER.dumps(value).encode() == encode(value)
