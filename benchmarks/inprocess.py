"""CPU time per request of every provider's benchmark cases, the ASGI app called directly
(no HTTP server, no load generator): what the sandbox's own code costs, steadier than wrk
on a shared machine because it counts this thread's CPU time and keeps the best round.

    python benchmarks/inprocess.py [zwitch ztake ...] [--reps 100] [--rounds 20]
    python benchmarks/inprocess.py zoho --profile "list (page of 25)"   # pyinstrument tree

Cases come from `sandbox/providers/<name>/bench.py`, as for run.py. Figures for people: no
test asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from starlette.testclient import TestClient  # noqa: E402

from sandbox.app import build_app  # noqa: E402
from sandbox.benchcase import UNIQUE, Case  # noqa: E402
from sandbox.config import SandboxConfig  # noqa: E402
from sandbox.providers import REGISTRY  # noqa: E402
from sandbox.runtime import Runtime  # noqa: E402


def _scope(prefix: str, case: Case, body: bytes) -> dict[str, Any]:
    path, _, query = f"{prefix}{case.path}".partition("?")
    headers = [(k.lower().encode(), v.encode()) for k, v in case.headers.items()]
    headers += [(b"host", b"127.0.0.1:8000"), (b"content-length", str(len(body)).encode())]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": case.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }


async def _measure(app: Any, prefix: str, case: Case, reps: int, rounds: int) -> tuple[int, float]:
    answered: dict[str, int] = {}
    counter = 0

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answered["status"] = message["status"]

    best = float("inf")
    for _ in range(rounds):
        started = time.thread_time()
        for _ in range(reps):
            counter += 1
            body = (case.body or "").replace(UNIQUE, f"p{counter}").encode()

            async def receive(body: bytes = body) -> dict[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            await app(_scope(prefix, case, body), receive, send)
        best = min(best, (time.thread_time() - started) / reps)
    return answered.get("status", 0), best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("providers", nargs="*", default=list(REGISTRY))
    parser.add_argument("--reps", type=int, default=100, help="requests per round")
    parser.add_argument("--rounds", type=int, default=20, help="rounds (the best is kept)")
    parser.add_argument("--profile", help="a case name: print where its time goes instead")
    args = parser.parse_args()
    config = SandboxConfig(
        clock_frozen=True, clock_start="2024-01-15T10:00:00Z", provider_rate_limits=False
    )
    app = build_app(Runtime(config))
    cases: dict[str, list[Case]] = {}
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        for provider in args.providers:
            bench = importlib.import_module(f"sandbox.providers.{provider}.bench")
            cases[provider] = bench.cases(
                lambda path, headers, p=provider: client.get(f"/{p}{path}", headers=headers).json()
            )

    async def run() -> None:
        for provider, listed in cases.items():
            for case in listed:
                if args.profile and case.name != args.profile:
                    continue
                if args.profile:
                    from pyinstrument import Profiler  # pip install pyinstrument

                    profiler = Profiler(interval=0.0001)
                    profiler.start()
                    await _measure(app, f"/{provider}", case, args.reps, args.rounds)
                    profiler.stop()
                    print(profiler.output_text(unicode=True, color=False))
                    continue
                status, seconds = await _measure(app, f"/{provider}", case, args.reps, args.rounds)
                print(f"{provider:8} {case.name:32} {status} {seconds * 1e6:7.0f} µs", flush=True)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
