"""Seeded ids and exact money."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from sandbox.ids import IdGenerator
from sandbox.money import as_number, as_string, rupees, to_paise
from sandbox.store import SQLiteStore


def test_ids_are_reproducible_for_a_seed_and_differ_across_seeds():
    first = IdGenerator(7, SQLiteStore().next_number)
    second = IdGenerator(7, SQLiteStore().next_number)
    other = IdGenerator(8, SQLiteStore().next_number)
    a = [first.new("pay_") for _ in range(5)]
    assert a == [second.new("pay_") for _ in range(5)]
    assert a != [other.new("pay_") for _ in range(5)]
    assert len(set(a)) == 5 and all(i.startswith("pay_") and len(i) == 20 for i in a)


def test_ids_continue_after_a_restart_instead_of_repeating(tmp_path):
    db = tmp_path / "ids.db"
    before = IdGenerator(7, SQLiteStore(db).next_number).new("pay_")
    after = IdGenerator(7, SQLiteStore(db).next_number).new("pay_")
    assert before != after


def test_ids_do_not_collide_at_scale():
    counter = itertools.count(1)
    ids = IdGenerator(1, lambda _namespace: next(counter))
    assert len({ids.new("pay_") for _ in range(50_000)}) == 50_000


@pytest.mark.parametrize(
    "amount, paise",
    [
        (100.5, 10050),
        (100.55, 10055),
        (0.1 + 0.2, 30),
        ("10.00", 1000),
        (1, 100),
        (Decimal("1.005"), 101),
        (1.004, 100),
        (10000000, 1_000_000_000),
    ],
)
def test_to_paise_is_exact(amount, paise):
    assert to_paise(amount) == paise


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "abc", True])
def test_to_paise_refuses_non_amounts(bad):
    with pytest.raises(ValueError):
        to_paise(bad)


def test_rendering_paise():
    assert rupees(10050) == Decimal("100.50")
    assert as_string(1000) == "10.00"
    assert as_number(10050) == 100.5


def test_amount_strings_are_what_exact_decimals_print() -> None:
    for paise in (0, 1, -1, 5, -5, 99, 100, -100, 10055, -10055, 10**20, -(10**20) + 1):
        assert as_string(paise) == str(rupees(paise)), paise
