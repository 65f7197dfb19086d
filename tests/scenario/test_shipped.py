"""Every shipped scenario runs green, twice, with byte-identical responses; each provider
ships scenarios of its main flows (at least three: the smallest API, Zaakpay's one
endpoint, has three; Zwitch and ZTake ship more than ten)."""

from __future__ import annotations

import pytest

from sandbox.providers import REGISTRY
from sandbox.resources import scenarios_dir
from sandbox.scenario.model import load
from sandbox.scenario.steps import run_scenario

SHIPPED = sorted(scenarios_dir().glob("*/*.yaml"))


def test_each_provider_ships_scenarios_with_steps():
    for provider in REGISTRY:
        files = list((scenarios_dir() / provider).glob("*.yaml"))
        assert len(files) >= 3, provider
        assert all(load(f).section("steps") for f in files)


def test_scenario_names_are_unique():
    names = [load(path).name for path in SHIPPED]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_shipped_scenario_passes_and_replays_identically(path):
    scenario = load(path)
    first = run_scenario(scenario)
    assert first.passed, first.failure
    second = run_scenario(scenario)
    assert second.passed, second.failure
    assert first.transcript() == second.transcript()
