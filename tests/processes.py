"""Starting `paysandbox serve` as a real process for tests that kill or fork it.

The server binds port 0 itself and the test reads the port uvicorn reports, so no port is
ever picked, released and then raced for by another process."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest

_LISTENING = re.compile(r"Uvicorn running on (http://[^ ]+) ")
START_SECONDS = 60


@dataclass
class Served:
    """A running `paysandbox serve` process and the base URL it listens on."""

    process: subprocess.Popen
    url: str
    log: list[str] = field(default_factory=list)  # its stderr, kept for failure messages

    def stop(self, timeout: float = 20) -> None:
        """Interrupts the server (as Ctrl+C would) and waits for it to exit."""
        self.process.terminate()
        self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        self.process.kill()
        self.process.wait()


def _drain(served: Served) -> None:
    # Keeps reading so a chatty server never blocks on a full pipe.
    assert served.process.stderr is not None
    for line in served.process.stderr:
        served.log.append(line)


def serve(*options: str, answers: int = 1) -> Served:
    """`python -m sandbox serve` on a port the server picks, frozen at 2024-01-15T10:00:00Z,
    returned once it has answered `answers` requests."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--clock-start",
            "2024-01-15T10:00:00Z",
            "--frozen",
            *options,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    log: list[str] = []
    deadline = time.monotonic() + START_SECONDS
    url = None
    # uvicorn logs the bound address once the socket listens (with --workers, the parent
    # binds it before forking), so the port is known without guessing.
    while url is None:
        line = process.stderr.readline()
        if not line:
            process.wait(10)
            pytest.fail("the sandbox exited before listening:\n" + "".join(log))
        log.append(line)
        found = _LISTENING.search(line)
        if found:
            url = found.group(1)
        elif time.monotonic() > deadline:
            process.kill()
            pytest.fail("the sandbox did not start:\n" + "".join(log))
    served = Served(process, url, log)
    threading.Thread(target=_drain, args=(served,), daemon=True).start()
    answered = 0
    while answered < answers:
        try:
            httpx.get(f"{url}/_sandbox/clock", timeout=2)
            answered += 1
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("the sandbox stopped answering:\n" + "".join(served.log))
            time.sleep(0.1)
    return served
