"""ZazPay's bit-position error tables and the error object built from problems."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sandbox.providers.zazpay import errorbits
from sandbox.providers.zazpay.errorbits import Problem
from sandbox.resources import specs_dir

# The seed lives beside the repository (../shared in a checkout, ../../shared in a worktree).
SEED = next(
    (
        folder / "shared" / "seeds" / "001_7d4dc82b2d38b190.txt"
        for folder in specs_dir().resolve().parents
        if (folder / "shared" / "seeds" / "001_7d4dc82b2d38b190.txt").is_file()
    ),
    Path("/nonexistent"),
)

# Row counts of the seed's tables ("Error Messages in ..."), payments plus the sandbox's 48.
ROWS = {
    "payments": 48,
    "receivers": 10,
    "vault": 9,
    "subscriptions": 50,
    "payment_details": 2,
    "payments_listing": 1,
    "gateways_listing": 1,
    "receiver_accounts_listing": 1,
    "create_receiver_account": 10,
    "websites_listing": 1,
}


def test_every_table_of_the_seed_is_there_with_contiguous_positions():
    tables = errorbits.tables()
    assert {name: len(rows) for name, rows in tables.items()} == ROWS
    for rows in tables.values():
        assert sorted(rows) == list(range(1, len(rows) + 1))


def test_rows_keep_the_seeds_wording_typos_included():
    tables = errorbits.tables()
    assert tables["payments"][22] == "Merhant is not enable gateway in ZazPay."
    assert tables["payments"][24] == "Gateway Error."
    assert tables["payments"][47] == "Posted invalid Vault Key."
    assert tables["subscriptions"][34] == "Z-Vars Limit is exceeded. You can pass 5 z-vars"
    assert tables["vault"][9] == "Posted invalid Vault ID."
    assert tables["payment_details"][1] == "Permission Denied."


@pytest.mark.skipif(not SEED.is_file(), reason="seed document not available")
def test_every_row_is_quoted_from_the_seed():
    text = SEED.read_text()
    tail = text[text.index("Error Codes") :]
    for name, rows in errorbits.tables().items():
        for position, message in rows.items():
            if (name, position) == ("payments", 48):
                # From the seed's subscription example, code 281474976710656 = 2^48.
                assert "Subscription Payment Failed" in text and str(2**48) in text
                continue
            assert re.search(rf"\n{position}\n{re.escape(message)}\n", tail + "\n"), (
                name,
                position,
            )


def test_code_is_the_sum_of_two_to_the_position_matching_the_seeds_example():
    # The seed's failed subscription payment.
    assert errorbits.error_object([Problem("payments", 48)]) == {
        "code": 281474976710656,
        "message": ["Subscription Payment Failed"],
    }
    assert errorbits.code_of([1]) == 2
    assert errorbits.code_of([11, 12, 11]) == 2**11 + 2**12


def test_several_problems_set_several_bits_and_list_every_message_in_order():
    error = errorbits.error_object(
        [Problem("payments", 12), Problem("payments", 3), Problem("payments", 12)]
    )
    assert error == {
        "code": 2**3 + 2**12,
        "message": ["Amount is missing.", "Posted invalid currency."],
    }
    assert errorbits.positions_of(error["code"]) == [3, 12]


def test_problems_of_two_tables_are_not_mixed():
    with pytest.raises(ValueError):
        errorbits.error_object([Problem("payments", 1), Problem("vault", 1)])


def test_an_unknown_position_is_refused():
    with pytest.raises(KeyError):
        Problem("vault", 10)
    with pytest.raises(KeyError):
        Problem("nope", 1)


def test_codes_that_are_not_bit_sums_are_the_seeds():
    assert errorbits.success() == {"code": 0, "message": []}
    assert errorbits.initiated() == {"code": -4, "message": ["Initiated without error"]}
    assert errorbits.pending() == {"code": -8, "message": ["Payment pending"]}
    assert errorbits.untabled("Send HTTP Basic.") == {"code": 1, "message": ["Send HTTP Basic."]}
    assert errorbits.positions_of(-4) == [] and errorbits.positions_of(0) == []
    assert errorbits.positions_of(1) == [0]


def test_every_field_mapping_names_an_existing_row():
    for table, fields in errorbits.FIELD_BITS.items():
        for bits in fields.values():
            for position in bits:
                if position is not None:
                    Problem(table, position)
    for table, (missing, invalid) in errorbits.DEFAULT_FIELD_BITS.items():
        Problem(table, missing), Problem(table, invalid)
    for table, resources in errorbits.NOT_FOUND_BITS.items():
        for position in resources.values():
            Problem(table, position)


def test_field_problems_follow_the_tables():
    assert errorbits.field_problem("payments", "amount", missing=True).message == (
        "Amount is missing."
    )
    assert errorbits.field_problem("payments", "currency", missing=False).position == 12
    assert errorbits.field_problem("payments", "buyer_phone", missing=True).position == 21
    assert errorbits.field_problem("payments", "notify_url", missing=True).position == 21
    assert errorbits.field_problem("subscriptions", "p1", missing=True).message == (
        "Missing p1 Value."
    )
    assert errorbits.field_problem("vault", "country", missing=False).position == 8
    assert errorbits.field_problem("gateways_listing", "page", missing=False) is None


def test_not_found_problems_follow_the_tables():
    assert errorbits.not_found_problem("payments", "gateway").message == (
        "Posted Gateway ID is invalid."
    )
    assert errorbits.not_found_problem("payment_details", "payment").position == 1
    assert errorbits.not_found_problem("vault", "vault").position == 9
    assert errorbits.not_found_problem("payments_listing", "website") is None
    assert errorbits.not_found_problem(None, "website") is None


def test_every_operation_of_the_spec_has_a_table_entry():
    import yaml

    spec = yaml.safe_load((specs_dir() / "zazpay.yaml").read_text())
    operation_ids = {
        op["operationId"]
        for item in spec["paths"].values()
        for method, op in item.items()
        if method in {"get", "post", "put", "delete"}
    }
    assert operation_ids == set(errorbits.OPERATION_TABLES)
    assert set(errorbits.OPERATION_TABLES.values()) - {None} <= set(errorbits.tables())
