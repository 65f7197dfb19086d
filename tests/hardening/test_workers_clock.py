"""Workers that agree: with `--workers 2`, clock changes are atomic in the shared store (no
advance is lost when two workers move time at once), and a clock change makes the other
worker reload the clock only, never the loaded scenarios."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from sandbox.config import SandboxConfig
from sandbox.runtime import Runtime
from sandbox.scenario import model as scenario_model
from tests.processes import serve

ADVANCES_PER_THREAD = 100


def test_concurrent_advances_on_two_workers_all_count(tmp_path):
    served = serve("--workers", "2", "--db", str(tmp_path / "sandbox.db"), answers=20)
    base = served.url
    try:
        start = httpx.get(base + "/_sandbox/clock").json()["now_ms"]
        barrier = threading.Barrier(2)

        def advance_many(_: int) -> list[int]:
            barrier.wait()
            # A fresh connection per call, so the kernel spreads them over both workers.
            return [
                httpx.post(
                    base + "/_sandbox/clock/advance", json={"seconds": 1}, timeout=60
                ).status_code
                for _ in range(ADVANCES_PER_THREAD)
            ]

        with ThreadPoolExecutor(2) as pool:
            statuses = [s for batch in pool.map(advance_many, range(2)) for s in batch]
        assert statuses == [200] * (2 * ADVANCES_PER_THREAD)
        seen = {httpx.get(base + "/_sandbox/clock").json()["now_ms"] for _ in range(10)}
        assert seen == {start + 2 * ADVANCES_PER_THREAD * 1000}
    finally:
        served.stop()


SCENARIO = """\
name: watched
provider: zwitch
faults:
  - match: {operation: list_payments}
    respond: {status: 503}
"""


def test_a_clock_change_does_not_reload_the_scenarios(tmp_path, monkeypatch):
    config = SandboxConfig(
        db=str(tmp_path / "shared.db"),
        workers=2,
        clock_start="2024-01-15T10:00:00Z",
        clock_frozen=True,
    )
    first, second = Runtime(config), Runtime(config)
    try:
        first.load_scenario(scenario_model.parse(SCENARIO))
        second.sync()
        assert list(second.scenarios) == ["watched"]

        reloads = []
        original = scenario_model.from_dict
        monkeypatch.setattr(
            scenario_model, "from_dict", lambda *a, **k: reloads.append(1) or original(*a, **k)
        )
        first.advance(30)
        second.sync()
        assert second.clock.now_ms() == first.clock.now_ms()
        assert reloads == []  # the clock moved; the scenarios did not
        first.unload_scenario("watched")
        second.sync()
        assert second.scenarios == {}
        # And moving time from the second worker builds on the first one's moves.
        second.advance(10)
        first.sync()
        assert first.clock.now_ms() == second.clock.now_ms()
    finally:
        first.close()
        second.close()
