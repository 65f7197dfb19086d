"""`paysandbox serve --workers 2`: two processes on one database share every piece of
state (data, clock, scenarios, fault and rate-limit counters, transitions)."""

from __future__ import annotations

import subprocess
import textwrap
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from sandbox.app import WORKER_HEADER
from tests.conftest import ZWITCH_A
from tests.processes import serve
from tests.providers.zwitch.helpers import COLLECT_PATH

WORKERS = 2
MAX_REQUESTS = 400  # per spread; the kernel hands connections out unevenly, never this badly


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    db = tmp_path_factory.mktemp("workers") / "sandbox.db"
    server = serve("--workers", str(WORKERS), "--db", str(db), answers=20)
    children = subprocess.run(
        ["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True
    )
    yield server.url, set(children.stdout.split())
    server.stop()


def _spread(base, children, path, each=3, **kwargs) -> list[httpx.Response]:
    """GETs `path` on fresh connections (so the kernel spreads them over the workers) until
    each of the WORKERS answered at least `each` times; fails if one never gets its share."""
    responses: list[httpx.Response] = []
    answered: Counter = Counter()
    with ThreadPoolExecutor(8) as pool:
        while len(responses) < MAX_REQUESTS:
            responses += pool.map(lambda _: httpx.get(base + path, **kwargs), range(8))
            answered = Counter(r.headers[WORKER_HEADER] for r in responses)
            assert set(answered) <= children, f"answers from {set(answered) - children}"
            if len(answered) == WORKERS and min(answered.values()) >= each:
                return responses
    pytest.fail(f"after {len(responses)} requests, only workers {dict(answered)} answered")


def test_two_worker_processes_serve(workers):
    base, children = workers
    answered = {r.headers[WORKER_HEADER] for r in _spread(base, children, "/_sandbox/clock")}
    assert len(answered) == WORKERS


def test_the_clock_is_shared(workers):
    base, children = workers
    before = httpx.get(base + "/_sandbox/clock").json()["now_ms"]
    httpx.post(base + "/_sandbox/clock/advance", json={"seconds": 3600})
    seen = {r.json()["now_ms"] for r in _spread(base, children, "/_sandbox/clock")}
    assert seen == {before + 3_600_000}


def test_data_and_transitions_are_shared(workers):
    base, children = workers
    payment = httpx.post(
        base + "/zwitch" + COLLECT_PATH,
        headers=ZWITCH_A,
        json={"amount": 5, "remitter_vpa_handle": "success@upi"},
    ).json()
    httpx.post(base + "/_sandbox/clock/advance", json={"seconds": 60})
    answers = _spread(base, children, f"/zwitch/v1/payments/{payment['id']}", headers=ZWITCH_A)
    assert {r.json()["status"] for r in answers} == {"completed"}


def test_concurrent_completes_across_workers_have_one_winner(workers):
    base, _ = workers
    payment = httpx.post(
        base + "/zwitch" + COLLECT_PATH, headers=ZWITCH_A, json={"amount": 5}
    ).json()
    barrier = threading.Barrier(20)

    def attempt(_):
        barrier.wait()
        return httpx.post(
            base + "/_sandbox/simulate",
            timeout=60,
            json={"provider": "zwitch", "resource_id": payment["id"], "event": "complete"},
        ).status_code

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(attempt, range(20)))
    assert results.count(200) == 1 and results.count(409) == 19


def test_scenarios_and_their_counters_are_shared(workers):
    base, children = workers
    scenario = textwrap.dedent("""\
        name: shared-limit
        provider: zwitch
        faults:
          - match: {operation: list_payments}
            rate_limit: {limit: 5, per: 1h}
        """)
    loaded = httpx.post(
        base + "/_sandbox/scenarios",
        content=scenario.encode(),
        headers={"Content-Type": "application/yaml"},
    )
    assert loaded.status_code == 201
    # Each worker answers at least 6 times: with counters of their own, 10 calls would pass.
    answers = _spread(base, children, "/zwitch/v1/payments", each=6, headers=ZWITCH_A)
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {200: 5, 429: len(answers) - 5}
    refused_by = {r.headers[WORKER_HEADER] for r in answers if r.status_code == 429}
    assert len(refused_by) == WORKERS
    httpx.delete(base + "/_sandbox/scenarios/shared-limit")
    after = _spread(base, children, "/zwitch/v1/payments", headers=ZWITCH_A)
    assert {r.status_code for r in after} == {200}
