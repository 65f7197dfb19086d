"""The self-fuzz gate: every operation of every spec in specs/ is fuzzed against a live
sandbox with all standard checks (plus ours) and stateful runs where links exist, seeded
and bounded. A provider added later is fuzzed here without editing this test."""

from __future__ import annotations

import pytest

from sandbox.contract.report import print_report
from sandbox.contract.runner import ContractOptions, all_apis, run_contract
from sandbox.resources import specs_dir


def test_every_spec_is_covered():
    assert sorted(all_apis()) == sorted(p.stem for p in specs_dir().glob("*.yaml"))


@pytest.mark.parametrize("api", all_apis())
def test_the_sandbox_never_answers_outside_its_spec(api):
    lines: list[str] = []
    result = run_contract(
        ContractOptions(apis=[api], max_examples=20, seed=20240115), progress=lines.append
    )
    print_report(result, lines.append)
    assert result.ok, "\n".join(lines)
    assert all(op.requests > 0 for op in result.operations.values()), "\n".join(lines)
