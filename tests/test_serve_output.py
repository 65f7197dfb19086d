"""What `paysandbox serve` prints: the start-up banner and, when asked, one line per request
(issue 14 item 2)."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time

import httpx
import pytest

from sandbox.config import SandboxConfig
from sandbox.requestlog import request_logger
from tests.cli_helpers import ROOT

ZWITCH_A = {"Authorization": "Bearer ak_test_sandbox:sk_test_sandbox"}


class Served:
    """`python -m sandbox serve ...` with its standard output read line by line."""

    def __init__(self, *options: str) -> None:
        # Port 0: the sandbox picks a free port and says which (the banner, or uvicorn's
        # own line on stderr when quiet), so no port is guessed and released beforehand.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "serve", "--port", "0", *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._buffer = b""
        self._quiet = "--quiet" in options or "--no-banner" in options
        self._url: str | None = None
        assert self.url  # learnt now, before any test reads the banner's lines

    @property
    def url(self) -> str:
        """The base URL the sandbox listens on, as it announced it."""
        if self._url is None:
            if self._quiet:
                self._url = self._announced(self.process.stderr, b"")
            else:
                self._url = self._announced(self.process.stdout, None)
        return self._url

    def _announced(self, stream, scratch: bytes | None) -> str:
        # Reads until the first http://host:port; stdout stays buffered for line().
        seen = self._buffer if scratch is None else scratch
        deadline = time.monotonic() + 60
        while True:
            found = re.search(rb"http://127\.0\.0\.1:\d+", seen)
            if found:
                if scratch is None:
                    self._buffer = seen
                return found.group().decode()
            left = deadline - time.monotonic()
            ready, _, _ = select.select([stream], [], [], max(left, 0))
            if not ready:
                pytest.fail(f"the sandbox never said where it listens; so far {seen!r}")
            chunk = os.read(stream.fileno(), 65536)
            if not chunk:
                pytest.fail(f"the sandbox exited; so far {seen!r}")
            seen += chunk

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/_sandbox/clock", timeout=2)
                return
            except httpx.TransportError:
                if self.process.poll() is not None:
                    pytest.fail(self.process.stderr.read().decode())
                time.sleep(0.1)
        pytest.fail("the sandbox did not start")

    def line(self, timeout: float = 10) -> str:
        """The next line of standard output."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.process.stdout], [], [], max(left, 0))
            if not ready:
                pytest.fail(f"no output line within {timeout}s; so far {self._buffer!r}")
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                pytest.fail(f"output ended; so far {self._buffer!r}")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()

    def lines_until(self, marker: str) -> list[str]:
        found = []
        while True:
            found.append(self.line())
            if marker in found[-1]:
                return found

    def stop(self) -> str:
        self.process.terminate()
        _, err = self.process.communicate(timeout=20)
        return err.decode()


@pytest.fixture
def served(request):
    servers = []

    def start(*options: str) -> Served:
        server = Served(*options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        if server.process.poll() is None:
            server.stop()


def test_the_banner_says_where_everything_is(served, tmp_path):
    db = tmp_path / "state.db"
    server = served("--db", str(db))
    banner = "\n".join(server.lines_until("Ctrl-C"))
    url = server.url
    assert f"{url}/zwitch" in banner and f"docs {url}/zwitch/ui/" in banner
    assert f"{url}/_sandbox" in banner and f"docs {url}/_sandbox/ui/" in banner
    assert re.search(rf"console +{re.escape(url)}/", banner)
    assert "paysandbox credentials" in banner and f"GET {url}/_sandbox/credentials" in banner
    assert re.search(r"clock +real time", banner)
    assert re.search(rf"database +file {re.escape(str(db))}", banner)
    server.wait_ready()
    # every URL it names answers
    for path in ("/zwitch/ui/", "/_sandbox/ui/", "/", "/_sandbox/credentials"):
        assert httpx.get(url + path, follow_redirects=True).status_code == 200, path
    assert "Traceback" not in server.stop()


def test_the_banner_names_a_frozen_clock_and_memory(served):
    server = served("--clock-start", "2024-01-15T10:00:00Z", "--frozen")
    banner = "\n".join(server.lines_until("Ctrl-C"))
    assert "frozen at 2024-01-15T10:00:00Z" in banner
    assert "in memory" in banner


def test_no_banner_when_asked_to_be_quiet(served):
    server = served("--quiet", "--log", "requests")
    server.wait_ready()
    # the first thing printed is the log line of the readiness probe, not a banner
    assert "GET    /_sandbox/clock 200" in server.line()


def test_log_requests_prints_one_line_per_exchange(served):
    server = served("--log", "requests", "--clock-start", "2024-01-15T10:00:00Z", "--frozen")
    server.lines_until("Ctrl-C")
    server.wait_ready()
    assert server.line().startswith("2024-01-15T10:00:00.000Z GET    /_sandbox/clock 200 ")
    httpx.get(server.url + "/zwitch/v1/payments?limit=2", headers=ZWITCH_A)
    line = server.line()
    assert line.startswith("2024-01-15T10:00:00.000Z GET    /zwitch/v1/payments?limit=2 200 ")
    assert line.endswith("ms zwitch acc_1234567890")


def test_log_format_json(served):
    server = served("--log", "requests", "--log-format", "json", "--no-banner")
    server.wait_ready()
    server.line()  # the readiness probe
    httpx.get(server.url + "/zwitch/v1/payments/pay_missing", headers=ZWITCH_A)
    entry = json.loads(server.line())
    assert entry["method"] == "GET" and entry["path"] == "/zwitch/v1/payments/pay_missing"
    assert entry["status"] == 404 and entry["provider"] == "zwitch"
    assert entry["tenant"] == "acc_1234567890" and entry["ms"] >= 0
    assert entry["time"].endswith("Z")


def test_without_log_no_request_writer_is_built():
    assert request_logger(SandboxConfig()) is None
    assert request_logger(SandboxConfig(log=["requests"])) is not None


def test_a_serving_process_puts_its_start_up_objects_beyond_the_collector(monkeypatch):
    # A full garbage collection walking the specs and validators every ten thousand
    # requests costs tens of milliseconds; the server freezes them before it serves.
    import gc

    from sandbox import server

    frozen_when_served: list[int] = []
    monkeypatch.setattr(
        server.uvicorn,
        "run",
        lambda *args, **kwargs: frozen_when_served.append(gc.get_freeze_count()),
    )
    try:
        server.serve(SandboxConfig(banner=False))
    finally:
        gc.unfreeze()
    assert frozen_when_served and frozen_when_served[0] > 0
