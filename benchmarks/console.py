"""What the console's pages cost as the store grows: the control API calls behind them at
1k and 100k payments (or the sizes given).

    python benchmarks/console.py [--sizes 1000 100000] [--rounds 200]

Payments are generated straight into a database file (as benchmarks/scaling.py does), a
sandbox serves that file in this process, and each call is timed over HTTP, one request
at a time, `--rounds` times, the calls taking turns: the Resources page (first page, a
page 50 pages deep by cursor, a page filtered by state), one resource with its history
and webhooks, the providers' catalog with every tenant's counts, the scheduled timers
and the journal. Prints the median and p95 in milliseconds per size, and the ratio of
the largest size's medians to the smallest's. Figures for people; no test asserts a time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scaling import TENANT, build  # noqa: E402

from sandbox.server import Sandbox  # noqa: E402

CONSOLE = {"X-Paysandbox-Console": "1"}  # as the console sends its reads (not journaled)


def _timed(calls: dict[str, Callable[[], httpx.Response]], rounds: int) -> dict[str, tuple]:
    """Median and p95 milliseconds of each call over `rounds` rounds (after five to warm
    up). The calls take turns within each round, so that whatever else the machine does
    weighs on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for round_number in range(rounds + 5):
        for name, call in calls.items():
            began = time.perf_counter()
            call().raise_for_status()
            if round_number >= 5:
                times[name].append((time.perf_counter() - began) * 1000)
    found = {}
    for name, taken in times.items():
        taken.sort()
        found[name] = (
            round(statistics.median(taken), 2),
            round(taken[int(len(taken) * 0.95) - 1], 2),
        )
    return found


def measure(db: Path, sample: list[str], rounds: int) -> dict[str, tuple[float, float]]:
    """Timings of the console's calls against a sandbox serving `db`."""
    with Sandbox(db=str(db), clock_frozen=True, clock_start="2024-01-15T10:00:00Z") as sb:
        client = httpx.Client(base_url=f"{sb.url}/_sandbox", headers=CONSOLE, timeout=30)
        listing = {"provider": "zwitch", "tenant": TENANT, "kind": "upi_collect", "limit": 20}
        cursor = None
        for _ in range(50):  # the cursor of page 51
            after = {"after": cursor} if cursor else {}
            page = client.get("/resources", params={**listing, **after}).json()
            cursor = page["next_cursor"] or cursor
        target = sample[len(sample) // 2]
        calls: dict[str, Callable[[], httpx.Response]] = {
            "resources, first page": lambda: client.get("/resources", params=listing),
            "resources, page 51": lambda: client.get(
                "/resources", params={**listing, "after": cursor}
            ),
            "resources, by state": lambda: client.get(
                "/resources", params={**listing, "state": "failed"}
            ),
            "one resource + history + webhooks": lambda: [
                client.get("/events", params={"provider": "zwitch", "resource_id": target}),
                client.get("/webhooks", params={"provider": "zwitch", "resource_id": target}),
                client.get(f"/resources/zwitch/{target}"),
            ][-1],
            "providers (counts, examples)": lambda: client.get("/providers"),
            "timers (next 200)": lambda: client.get("/timers", params={"limit": 200}),
            "journal (200)": lambda: client.get("/requests", params={"limit": 200}),
        }
        found = _timed(calls, rounds)
        client.close()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 100_000])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="paysandbox-console-bench-"))
    results: dict[int, dict[str, tuple[float, float]]] = {}
    for size in args.sizes:
        db = scratch / f"{size}.db"
        sample = build(db, size)
        results[size] = measure(db, sample, args.rounds)
        print(json.dumps({"payments": size, "ms": results[size]}), flush=True)
    sizes = list(results)
    names = list(results[sizes[0]])
    print()
    print("| call | " + " | ".join(f"{s:,} payments: p50 / p95 ms" for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for name in names:
        cells = " | ".join(f"{results[s][name][0]} / {results[s][name][1]}" for s in sizes)
        print(f"| {name} | {cells} |")
    if len(sizes) > 1:
        first, last = sizes[0], sizes[-1]
        print()
        for name in names:
            ratio = results[last][name][0] / results[first][name][0]
            print(f"{name}: p50 at {last:,} is {ratio:.2f}× the p50 at {first:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
