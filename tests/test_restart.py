"""Kill the server (SIGKILL) and restart it on the same database: nothing committed is lost,
the clock resumes, scheduled transitions still fire and ids do not repeat."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import ZWITCH_A
from tests.providers.zwitch.helpers import COLLECT_PATH, DOC_COLLECT_BODY, DOC_TOKEN_BODY


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(db, port) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            "--clock-start",
            "2024-01-15T10:00:00Z",
            "--frozen",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_sandbox/clock", timeout=1)
            return process
        except httpx.TransportError:
            if process.poll() is not None:
                pytest.fail(process.stderr.read().decode())
            time.sleep(0.1)
    process.kill()
    pytest.fail("the sandbox did not start")


def test_kill_and_restart_loses_nothing(tmp_path):
    db, port = tmp_path / "sandbox.db", _free_port()
    base = f"http://127.0.0.1:{port}"
    api = httpx.Client(base_url=base + "/zwitch", headers=ZWITCH_A)
    process = _start(db, port)
    try:
        payment = api.post(
            COLLECT_PATH, json={**DOC_COLLECT_BODY, "remitter_vpa_handle": "success@upi"}
        ).json()
        token = api.post("/v1/pg/payment_token", json=DOC_TOKEN_BODY).json()
        httpx.post(base + "/_sandbox/clock/advance", json={"seconds": 12})
        listing = api.get("/v1/payments", params={"limit": 100}).json()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()

    process = _start(db, port)
    try:
        assert httpx.get(base + "/_sandbox/clock").json()["now"] == "2024-01-15T10:00:12Z"
        assert api.get("/v1/payments", params={"limit": 100}).json() == listing
        assert api.get(f"/v1/payments/{payment['id']}").json()["status"] == "processing"
        status = api.get(f"/v1/payments/token/{token['id']}/status").json()
        assert status["status"] == "created"
        httpx.post(base + "/_sandbox/clock/advance", json={"seconds": 60})
        assert api.get(f"/v1/payments/{payment['id']}").json()["status"] == "completed"
        fresh = api.post(COLLECT_PATH, json={"amount": 3}).json()
        assert fresh["id"] not in {p["id"] for p in listing["data"]}
    finally:
        process.terminate()
        process.wait(10)
