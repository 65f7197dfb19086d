"""Latency of GET by id and of a list page as the store grows: 1k, 100k, 1M payments.

    python benchmarks/scaling.py [--sizes 1000 100000 1000000] [--duration 10]

Payments are generated straight into a database file (not through HTTP), then the sandbox
serves that file pinned to core 0 while wrk (core 1) reads payments spread over the whole
range. Prints p50/p99, throughput and RSS per size, and the 1M/1k ratio of the medians.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import RESULTS, Server, ensure_wrk, rss_mb, start, stop, wrk  # noqa: E402

from sandbox.config import SandboxConfig  # noqa: E402
from sandbox.providers.zwitch import models  # noqa: E402
from sandbox.runtime import Runtime  # noqa: E402
from sandbox.store import Record  # noqa: E402

AUTH = "Bearer ak_test_sandbox:sk_test_sandbox"
TENANT = "acc_1234567890"
STATES = ("completed", "completed", "completed", "failed", "expired", "cancelled")


def build(db: Path, size: int) -> list[str]:
    """A database with `size` generated payments for tenant A; returns a sample of ids."""
    runtime = Runtime(
        SandboxConfig(db=str(db), clock_start="2024-01-15T10:00:00Z", clock_frozen=True)
    )
    tenant = runtime.tenant("zwitch", TENANT)
    start_ms = runtime.clock.start_ms
    template = models.draft_collect(
        runtime,
        tenant,
        {
            "account_id": TENANT,
            "amount": 100.5,
            "remark": "Order #123",
            "remitter_vpa_handle": "payer@upi",
        },
        start_ms,
    ).data
    sample, chunk = [], []
    for index in range(size):
        payment_id = f"pay_{index:016x}"
        created = start_ms - 3_600_000 - index * 1_000
        chunk.append(
            Record(
                "zwitch",
                TENANT,
                models.COLLECT,
                payment_id,
                STATES[index % 6],
                {**template, "expires_at": created + 1_800_000},
                created,
                parent=TENANT,
            )
        )
        if index % max(1, size // 1000) == 0:
            sample.append(payment_id)
        if len(chunk) == 50_000:
            runtime.store.insert_many(chunk)
            chunk = []
    if chunk:
        runtime.store.insert_many(chunk)
    runtime.close()
    return sample


def _rotating_get(ids: list[str], directory: Path) -> Path:
    script = directory / "get.lua"
    script.write_text(
        f"ids = {json.dumps(ids).replace('[', '{').replace(']', '}')}\n"
        "counter = 0\n"
        f'headers = {{["Authorization"] = "{AUTH}"}}\n'
        "request = function()\n"
        "  counter = counter + 1\n"
        '  return wrk.format("GET", "/zwitch/v1/payments/" .. ids[(counter % #ids) + 1],'
        " headers)\n"
        "end\n"
    )
    return script


def _plain(directory: Path) -> Path:
    script = directory / "list.lua"
    script.write_text(f'wrk.headers["Authorization"] = "{AUTH}"\n')
    return script


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 100_000, 1_000_000])
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    ensure_wrk()
    scratch = Path(tempfile.mkdtemp(prefix="paysandbox-scaling-"))
    rows = []
    for size in args.sizes:
        db = scratch / f"{size}.db"
        began = time.perf_counter()
        sample = build(db, size)
        built = time.perf_counter() - began
        server = Server(
            "sandbox",
            lambda port, _p, db=db: [
                sys.executable,
                "-m",
                "sandbox",
                "serve",
                "--port",
                str(port),
                "--db",
                str(db),
            ],
            lambda provider: f"/{provider}",
        )
        start(server, "zwitch")
        base = f"http://127.0.0.1:{server.port}/zwitch"
        get_script, list_script = _rotating_get(sample, scratch), _plain(scratch)
        wrk(base + "/v1/payments/" + sample[0], get_script, 2)
        get = wrk(base + "/v1/payments/" + sample[0], get_script, args.duration)
        listed = wrk(base + "/v1/payments?page=1&limit=20", list_script, args.duration)
        row = {
            "payments": size,
            "build_s": round(built, 1),
            "db_mb": round(db.stat().st_size / 2**20, 1),
            "get": {"rps": get[0], "p50_ms": get[1], "p99_ms": get[2], "non_2xx": get[4]},
            "list": {
                "rps": listed[0],
                "p50_ms": listed[1],
                "p99_ms": listed[2],
                "non_2xx": listed[4],
            },
            "rss_mb": rss_mb(server),
            "start_s": round(server.start_seconds, 2),
        }
        stop(server)
        rows.append(row)
        print(json.dumps(row), flush=True)
    print()
    print(
        "| payments | GET by id rps | p50 / p99 ms | list rps | p50 / p99 ms | RSS MB | start s |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        get, listed = row["get"], row["list"]
        print(
            f"| {row['payments']:,} | {get['rps']:,.0f} | {get['p50_ms']} / {get['p99_ms']} | "
            f"{listed['rps']:,.0f} | {listed['p50_ms']} / {listed['p99_ms']} | "
            f"{row['rss_mb']} | {row['start_s']} |"
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        for name in ("get", "list"):
            ratio = last[name]["p50_ms"] / first[name]["p50_ms"]
            print(
                f"{name}: p50 at {last['payments']:,} is {ratio:.2f}× the p50 at "
                f"{first['payments']:,}"
            )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scaling.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
