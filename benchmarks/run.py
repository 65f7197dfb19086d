"""Throughput, latency, memory and start-up of the sandbox against Prism, on the same spec.

    python benchmarks/run.py [--duration 10] [--runs 3] [--providers zwitch] [--quick]

Each server is pinned to core 0 and the load generator (wrk, Debian package `wrk`) to
core 1. Prism 5 is installed locally with npm on first use (benchmarks/.prism). For every
provider with a `sandbox/providers/<name>/bench.py`, each of its cases is warmed up and then
measured `--runs` times with `wrk -t1 -c16`, the runs alternating between the servers (all
started at once), so that load from elsewhere on the machine weighs on each alike; the
median run is reported. Results are
printed as a table and written to benchmarks/results/latest.json. Nothing here asserts a
time: these are figures for people.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.benchcase import UNIQUE, Case  # noqa: E402
from sandbox.providers import REGISTRY  # noqa: E402
from sandbox.resources import spec_path  # noqa: E402

PRISM_DIR = Path(__file__).resolve().parent / ".prism"
RESULTS = Path(__file__).resolve().parent / "results"
SERVER_CORES, LOAD_CORE = "0", "1"
CONNECTIONS = 16


@dataclass
class Server:
    """A server under test: how to start it and where a provider's paths live."""

    label: str
    command: Callable[[int, str], list[str]]  # (port, provider) → argv
    prefix: Callable[[str], str]  # provider → URL prefix
    cores: str = SERVER_CORES
    process: subprocess.Popen | None = None
    port: int = 0
    start_seconds: float = 0.0


@dataclass
class Measure:
    """The median of several wrk runs of one case against one server."""

    rps: float
    p50_ms: float
    p99_ms: float
    unexpected: int = 0  # responses whose status was not the case's
    runs: list[float] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_prism() -> Path:
    """Prism's CLI, installed with npm into benchmarks/.prism the first time."""
    binary = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        PRISM_DIR.mkdir(exist_ok=True)
        print("installing Prism 5 with npm (once)…", flush=True)
        (PRISM_DIR / "package.json").write_text(
            '{"name": "paysandbox-bench-prism", "private": true}'
        )
        subprocess.run(
            ["npm", "install", "@stoplight/prism-cli@5"],
            cwd=PRISM_DIR,
            check=True,
            capture_output=True,
        )
    return binary


def _fetch(url: str, headers: dict[str, str]) -> Any:
    """JSON a case needs from a server (an id to read), or exit saying what it answered."""
    response = httpx.get(url, headers=headers)
    if response.status_code != 200:
        sys.exit(f"GET {url} answered {response.status_code}: {response.text[:300]}")
    return response.json()


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        sys.exit("wrk is missing: install Debian's package (apt-get install wrk)")
    return found


def start(server: Server, provider: str) -> None:
    """Starts a server pinned to its cores and records how long until it answers."""
    server.port = _free_port()
    argv = ["taskset", "-c", server.cores, *server.command(server.port, provider)]
    began = time.perf_counter()
    server.process = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    url = f"http://127.0.0.1:{server.port}{server.prefix(provider)}/"
    while True:
        try:
            httpx.get(url, timeout=0.5)
            break
        except httpx.HTTPError:
            if server.process.poll() is not None:
                sys.exit(f"{server.label} did not start: {' '.join(argv)}")
            if time.perf_counter() - began > 60:
                sys.exit(f"{server.label} did not answer within a minute")
            time.sleep(0.01)
    server.start_seconds = time.perf_counter() - began


def rss_mb(server: Server) -> float:
    """Resident memory of the server and its child processes, in MB."""
    assert server.process is not None
    pids = [str(server.process.pid)]
    children = subprocess.run(["pgrep", "-P", pids[0]], capture_output=True, text=True)
    pids += children.stdout.split()
    total_kb = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        total_kb += int(found.group(1)) if found else 0
    return round(total_kb / 1024, 1)


def stop(server: Server) -> None:
    if server.process is not None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process = None


def _script(case: Case, directory: Path, nonce: str) -> Path:
    """wrk's Lua settings for a case; a body holding UNIQUE gets `nonce` and a counter in its
    place on every request."""
    lines = [f'wrk.method = "{case.method}"']
    for name, value in case.headers.items():
        lines.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
    if case.body is not None and UNIQUE in case.body:
        before, after = case.body.split(UNIQUE, 1)
        lines += [
            "local counter = 0",
            "request = function()",
            "  counter = counter + 1",
            f"  local body = {json.dumps(before)} .. {json.dumps(nonce)} .. counter"
            f" .. {json.dumps(after)}",
            "  return wrk.format(nil, nil, nil, body)",
            "end",
        ]
    elif case.body is not None:
        lines.append(f"wrk.body = {json.dumps(case.body)}")
    path = directory / f"{abs(hash((case.name, case.path, nonce)))}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def _seconds(text: str) -> float:
    """A wrk latency (`812.00us`, `3.41ms`, `1.20s`, `1.01m`) in milliseconds."""
    found = re.match(r"([\d.]+)(us|ms|s|m|h)$", text)
    if found is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    value, unit = found.groups()
    return (
        float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}[unit]
    )


def wrk(url: str, script: Path, seconds: int) -> tuple[float, float, float, int, int]:
    """(rps, p50 ms, p99 ms, requests, non-2xx) of one wrk run pinned to the load core."""
    out = subprocess.run(
        [
            "taskset",
            "-c",
            LOAD_CORE,
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Requests/sec" not in out or "50%" not in out:
        raise RuntimeError(f"wrk printed no figures for {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _seconds(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1))
    p99 = _seconds(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, p50, p99, total, int(non_2xx.group(1)) if non_2xx else 0


def warm_up(server: Server, provider: str, case: Case, scripts: Path) -> bool:
    """Checks the case answers its status on `server` and warms it up for two seconds."""
    url = f"http://127.0.0.1:{server.port}{server.prefix(provider)}{case.path}"
    body = None if case.body is None else case.body.replace(UNIQUE, "probe")
    probe = httpx.request(case.method, url, headers=case.headers, content=body)
    wrk(url, _script(case, scripts, f"warm{server.port}_"), 2)
    if probe.status_code != case.status:
        print(
            f"    {server.label}: {case.name} answered {probe.status_code}, expected {case.status}",
            flush=True,
        )
    return probe.status_code == case.status


def run_once(
    server: Server, provider: str, case: Case, duration: int, scripts: Path, nonce: str
) -> tuple[float, float, float, int, int]:
    """One wrk run of a case against a server."""
    url = f"http://127.0.0.1:{server.port}{server.prefix(provider)}{case.path}"
    return wrk(url, _script(case, scripts, nonce), duration)


def summary(
    results: list[tuple[float, float, float, int, int]], case: Case, probed: bool
) -> Measure:
    """The median run of several (by throughput), and how many answers were unexpected."""
    median = sorted(results, key=lambda r: r[0])[len(results) // 2]
    rps, p50, p99, total, non_2xx = median
    unexpected = non_2xx if case.status < 300 else total - non_2xx
    if not probed:
        unexpected = total
    return Measure(
        round(rps, 1), round(p50, 2), round(p99, 2), unexpected, [round(r[0], 1) for r in results]
    )


def servers(python: str, prism: Path, workers: int) -> list[Server]:
    def sandbox(extra: list[str]) -> Callable[[int, str], list[str]]:
        return lambda port, _provider: [
            python,
            "-m",
            "sandbox",
            "serve",
            "--port",
            str(port),
            "--clock-start",
            "2024-01-15T10:00:00Z",
            "--frozen",
            *extra,
        ]

    def prism_mock(extra: list[str]) -> Callable[[int, str], list[str]]:
        return lambda port, provider: [
            str(prism),
            "mock",
            "-p",
            str(port),
            str(spec_path(provider)),
            *extra,
        ]

    scratch = Path(tempfile.mkdtemp(prefix="paysandbox-bench-"))
    db = scratch / "bench.db"
    # Prism limits nothing; the sandbox's documented limits (Zaakpay: two calls an hour)
    # are lifted so both answer the same operation on every request.
    config = scratch / "bench.yaml"
    config.write_text(yaml.safe_dump({"provider_rate_limits": False}))
    listed = [
        Server("sandbox", sandbox(["--config", str(config)]), lambda provider: f"/{provider}"),
        Server("prism", prism_mock([]), lambda _provider: ""),
        Server("prism -v silent", prism_mock(["-v", "silent"]), lambda _provider: ""),
    ]
    if workers > 1:
        listed.append(
            Server(
                f"sandbox --workers {workers}",
                sandbox(["--workers", str(workers), "--db", str(db), "--config", str(config)]),
                lambda provider: f"/{provider}",
                cores="0,1",
            )
        )
    return listed


def table(results: dict[str, Any]) -> str:
    """The results as a Markdown table."""
    labels = [s["label"] for s in results["servers"]]
    head = [
        "provider",
        "operation",
        *[f"{label} rps" for label in labels],
        "× prism",
        "× silent",
        *[f"{label} p50/p99 ms" for label in labels],
    ]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in results["rows"]:
        by = row["servers"]

        def ratio(other: str, by: dict = by) -> str:
            if other not in by or not by[other]["rps"]:
                return "–"
            return f"{by['sandbox']['rps'] / by[other]['rps']:.2f}"

        cells = [
            row["provider"],
            row["operation"],
            *[
                f"{by[label]['rps']:,.0f}" + ("*" if by[label]["unexpected"] else "")
                for label in labels
            ],
            ratio("prism"),
            ratio("prism -v silent"),
            *[f"{by[label]['p50_ms']} / {by[label]['p99_ms']}" for label in labels],
        ]
        rows.append("| " + " | ".join(cells) + " |")
    rows.append("")
    rows.append("| server | RSS MB after the run | start-up s |")
    rows.append("|---|---|---|")
    for server in results["servers"]:
        rows.append(f"| {server['label']} | {server['rss_mb']} | {server['start_s']:.2f} |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--runs", type=int, default=3, help="runs per case (median kept)")
    parser.add_argument("--providers", nargs="*", default=list(REGISTRY))
    parser.add_argument("--workers", type=int, default=2, help="also measure N workers")
    parser.add_argument("--quick", action="store_true", help="3-second runs, one each")
    parser.add_argument(
        "--cases", nargs="*", help="only the cases with these names (default: every case)"
    )
    args = parser.parse_args()
    if args.quick:
        args.duration, args.runs = 3, 1
    ensure_wrk()
    prism = ensure_prism()
    under_test = servers(sys.executable, prism, args.workers)
    rows: list[dict[str, Any]] = []
    scripts = Path(tempfile.mkdtemp(prefix="paysandbox-wrk-"))
    for provider in args.providers:
        try:
            bench = importlib.import_module(f"sandbox.providers.{provider}.bench")
        except ModuleNotFoundError:
            print(f"{provider}: no bench.py, skipped")
            continue
        # Every server runs at once (pinned to the same core; the idle ones cost nothing)
        # and the runs of a case alternate between them, so that a machine whose load
        # drifts during the benchmark weighs on every server alike.
        cases_of: dict[str, list[Case]] = {}
        for server in under_test:
            start(server, provider)
            prefix = f"http://127.0.0.1:{server.port}{server.prefix(provider)}"
            cases_of[server.label] = bench.cases(
                lambda path, headers, prefix=prefix: _fetch(prefix + path, headers)
            )
            print(
                f"{provider} on {server.label}: started in {server.start_seconds:.2f}s", flush=True
            )
        for index, name in enumerate(case.name for case in cases_of["sandbox"]):
            if args.cases and name not in args.cases:
                continue
            probed = {
                s.label: warm_up(s, provider, cases_of[s.label][index], scripts) for s in under_test
            }
            runs: dict[str, list[tuple[float, float, float, int, int]]] = {
                s.label: [] for s in under_test
            }
            for round_ in range(args.runs):
                for server in under_test:
                    case = cases_of[server.label][index]
                    nonce = f"r{round_}p{server.port}_"
                    runs[server.label].append(
                        run_once(server, provider, case, args.duration, scripts, nonce)
                    )
            row = {"provider": provider, "operation": name, "servers": {}}
            rows.append(row)
            for server in under_test:
                case = cases_of[server.label][index]
                result = summary(runs[server.label], case, probed[server.label])
                row["servers"][server.label] = asdict(result)
                print(
                    f"  {name:<20} {server.label:<22} {result.rps:>9,.1f} rps  "
                    f"p50 {result.p50_ms} ms  p99 {result.p99_ms} ms",
                    flush=True,
                )
        for server in under_test:
            server.rss = rss_mb(server)  # type: ignore[attr-defined]
            stop(server)
    results = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": {"connections": CONNECTIONS, "duration_s": args.duration, "runs": args.runs},
        "servers": [
            {"label": s.label, "rss_mb": getattr(s, "rss", None), "start_s": s.start_seconds}
            for s in under_test
        ],
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2))
    print()
    print(table(results))
    print(f"\n(* some answers had an unexpected status) results: {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
