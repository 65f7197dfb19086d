"""Kill the server (SIGKILL) and restart it on the same database: nothing committed is lost,
the clock resumes, scheduled transitions still fire and ids do not repeat."""

from __future__ import annotations

import httpx

from tests.conftest import ZWITCH_A
from tests.processes import serve
from tests.providers.zwitch.helpers import COLLECT_PATH, DOC_COLLECT_BODY, DOC_TOKEN_BODY


def test_kill_and_restart_loses_nothing(tmp_path):
    db = tmp_path / "sandbox.db"
    server = serve("--db", str(db))
    base = server.url
    api = httpx.Client(base_url=base + "/zwitch", headers=ZWITCH_A)
    try:
        payment = api.post(
            COLLECT_PATH, json={**DOC_COLLECT_BODY, "remitter_vpa_handle": "success@upi"}
        ).json()
        token = api.post("/v1/pg/payment_token", json=DOC_TOKEN_BODY).json()
        httpx.post(base + "/_sandbox/clock/advance", json={"seconds": 12})
        listing = api.get("/v1/payments", params={"limit": 100}).json()
    finally:
        server.kill()

    # The restarted server listens wherever it is given; only the database carries over.
    server = serve("--db", str(db))
    base = server.url
    api = httpx.Client(base_url=base + "/zwitch", headers=ZWITCH_A)
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
        server.stop()
