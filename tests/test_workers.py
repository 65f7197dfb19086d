"""`paysandbox serve --workers 2`: two processes on one database share every piece of
state (data, clock, scenarios, fault and rate-limit counters, transitions)."""

from __future__ import annotations

import signal
import subprocess
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import ZWITCH_A
from tests.processes import free_port, serve
from tests.providers.zwitch.helpers import COLLECT_PATH


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    port = free_port()
    db = tmp_path_factory.mktemp("workers") / "sandbox.db"
    process = serve(port, "--workers", "2", "--db", str(db), answers=20)
    base = f"http://127.0.0.1:{port}"
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True)
    yield base, children.stdout.split()
    process.send_signal(signal.SIGINT)
    process.wait(20)


def _each(base, path, count=20, **kwargs):
    # A fresh connection per request, so the kernel spreads them over both workers.
    return [httpx.get(base + path, **kwargs) for _ in range(count)]


def test_two_worker_processes_serve(workers):
    _, pids = workers
    assert len(pids) >= 2


def test_the_clock_is_shared(workers):
    base, _ = workers
    before = httpx.get(base + "/_sandbox/clock").json()["now_ms"]
    httpx.post(base + "/_sandbox/clock/advance", json={"seconds": 3600})
    assert {r.json()["now_ms"] for r in _each(base, "/_sandbox/clock")} == {before + 3_600_000}


def test_data_and_transitions_are_shared(workers):
    base, _ = workers
    payment = httpx.post(
        base + "/zwitch" + COLLECT_PATH,
        headers=ZWITCH_A,
        json={"amount": 5, "remitter_vpa_handle": "success@upi"},
    ).json()
    httpx.post(base + "/_sandbox/clock/advance", json={"seconds": 60})
    statuses = {
        r.json()["status"]
        for r in _each(base, f"/zwitch/v1/payments/{payment['id']}", headers=ZWITCH_A)
    }
    assert statuses == {"completed"}


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
    base, _ = workers
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
    statuses = [r.status_code for r in _each(base, "/zwitch/v1/payments", headers=ZWITCH_A)]
    assert statuses.count(200) == 5 and statuses.count(429) == 15
    httpx.delete(base + "/_sandbox/scenarios/shared-limit")
    assert {r.status_code for r in _each(base, "/zwitch/v1/payments", headers=ZWITCH_A)} == {200}
