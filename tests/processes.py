"""Starting `paysandbox serve` as a real process for tests that kill or fork it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int, *options: str, answers: int = 1) -> subprocess.Popen:
    """`python -m sandbox serve` on `port`, frozen at 2024-01-15T10:00:00Z, returned once it
    has answered `answers` requests (several, to reach every worker)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "serve",
            "--port",
            str(port),
            "--clock-start",
            "2024-01-15T10:00:00Z",
            "--frozen",
            *options,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline, answered = time.monotonic() + 60, 0
    while answered < answers:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_sandbox/clock", timeout=2)
            answered += 1
        except httpx.TransportError:
            if process.poll() is not None:
                pytest.fail(process.stderr.read().decode())
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("the sandbox did not start")
            time.sleep(0.1)
    return process
