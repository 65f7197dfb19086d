"""Each provider's benchmark cases (sandbox/providers/<name>/bench.py) answer the status
they declare, so the benchmark measures what it says it measures."""

from __future__ import annotations

import importlib

import httpx
import pytest

from sandbox.benchcase import UNIQUE
from sandbox.providers import REGISTRY


@pytest.mark.parametrize("provider", REGISTRY)
def test_bench_cases_answer_as_declared(sb, provider):
    try:
        bench = importlib.import_module(f"sandbox.providers.{provider}.bench")
    except ModuleNotFoundError:
        pytest.skip(f"{provider} has no bench.py")
    base = f"{sb.url}/{provider}"
    cases = bench.cases(lambda path, headers: httpx.get(base + path, headers=headers).json())
    assert cases
    for case in cases:
        # Twice, as the harness sends each case many times: a unique body differs each time.
        for nonce in ("a1", "a2"):
            body = None if case.body is None else case.body.replace(UNIQUE, nonce)
            response = httpx.request(
                case.method, base + case.path, headers=case.headers, content=body
            )
            assert response.status_code == case.status, (case.name, response.text[:200])
