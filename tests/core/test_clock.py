"""The virtual clock."""

from __future__ import annotations

import pytest

from sandbox.clock import Clock, ClockState, iso_z, parse_instant

START = parse_instant("2024-01-15T10:00:00Z")


def test_a_frozen_clock_stands_still_until_advanced():
    clock = Clock(start_ms=START, frozen=True)
    assert clock.now_ms() == START
    assert clock.advance(90) == START + 90_000
    assert iso_z(clock.now_ms()) == "2024-01-15T10:01:30Z"


def test_the_clock_never_moves_backward():
    clock = Clock(start_ms=START, frozen=True)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_a_running_clock_keeps_its_offset_when_advanced():
    clock = Clock(start_ms=START)
    before = clock.now_ms()
    clock.advance(3600)
    assert clock.now_ms() - before >= 3_600_000
    assert clock.now_ms() - before < 3_600_000 + 5_000


def test_reset_returns_to_the_start_instant():
    clock = Clock(start_ms=START, frozen=True)
    clock.advance(500)
    clock.reset()
    assert clock.now_ms() == START


def test_freeze_and_resume_keep_the_current_time():
    clock = Clock(start_ms=START, frozen=True)
    clock.advance(10)
    clock.freeze(False)
    assert 0 <= clock.now_ms() - (START + 10_000) < 5_000
    clock.freeze(True)
    frozen_at = clock.now_ms()
    assert clock.now_ms() == frozen_at


def test_state_round_trips():
    clock = Clock(start_ms=START, frozen=True)
    clock.advance(42)
    other = Clock()
    other.restore(ClockState(**vars(clock.state)))
    assert other.now_ms() == clock.now_ms() and other.frozen


def test_parse_instant_accepts_z_and_naive_utc():
    assert parse_instant("2024-01-15T10:00:00") == START
    assert parse_instant("2024-01-15T15:30:00+05:30") == START
