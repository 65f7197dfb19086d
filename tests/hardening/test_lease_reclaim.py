"""After kill -9 in the middle of a webhook delivery, a restarted sandbox releases the
dead process's lease at once: the delivery goes out on the next `deliver`, instead of
waiting out a 30-second real-time lease that moving the clock cannot shorten."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import httpx
import pytest

from tests.conftest import ZWITCH_A
from tests.processes import serve
from tests.providers.zwitch.helpers import ACCOUNT, COLLECT_PATH


class HangingReceiver:
    """A webhook receiver whose first request hangs (an attempt in flight); later ones are
    answered 200."""

    def __init__(self) -> None:
        self.first_arrived = threading.Event()
        self.release = threading.Event()
        self.answered = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                self.rfile.read(int(self.headers.get("content-length", 0)))
                if not receiver.first_arrived.is_set():
                    receiver.first_arrived.set()
                    receiver.release.wait(30)
                    return
                receiver.answered += 1
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[HangingReceiver]:
    found = HangingReceiver()
    found.thread.start()
    yield found
    found.close()


def test_a_restart_reclaims_the_leases_of_a_killed_sandbox(tmp_path, receiver):
    db = tmp_path / "sandbox.db"
    first = serve("--db", str(db))
    base = first.url
    control = httpx.Client(base_url=base + "/_sandbox", timeout=30)
    try:
        control.post("/clock/advance", json={"seconds": 60})  # settle the seeded payments
        control.put(f"/webhooks/endpoints/zwitch/{ACCOUNT}", json={"url": receiver.url})
        payment = httpx.post(
            base + "/zwitch" + COLLECT_PATH,
            headers=ZWITCH_A,
            json={"amount": 5, "remitter_vpa_handle": "success@upi"},
        ).json()
        control.post("/clock/advance", json={"seconds": 60})
        # The background worker sends the first notification; the receiver holds it.
        assert receiver.first_arrived.wait(20)
    finally:
        first.kill()

    # The restarted sandbox listens elsewhere; its database is the same.
    second = serve("--db", str(db))
    control = httpx.Client(base_url=second.url + "/_sandbox", timeout=30)
    try:
        control.post("/webhooks/deliver")
        deliveries = control.get("/webhooks", params={"resource_id": payment["id"]}).json()
        statuses = [d["status"] for d in deliveries["data"]]
        assert statuses and set(statuses) == {"delivered"}, statuses
        assert receiver.answered == len(statuses)
    finally:
        second.stop()
