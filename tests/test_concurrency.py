"""Concurrent requests on one resource never both win a transition."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.providers.zwitch.helpers import collect


def test_fifty_concurrent_completes_over_http_exactly_one_wins(sb, zwitch, control):
    payment = collect(zwitch)
    barrier = threading.Barrier(50)
    body = {"provider": "zwitch", "resource_id": payment["id"], "event": "complete"}

    def attempt(_):
        with httpx.Client(base_url=sb.url, timeout=60) as client:
            barrier.wait()
            return client.post("/_sandbox/simulate", json=body).status_code

    with ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(attempt, range(50)))
    assert statuses.count(200) == 1
    assert statuses.count(409) == 49
    events = control.get("/events", params={"resource_id": payment["id"]}).json()["data"]
    assert [e["name"] for e in events] == ["PaymentPending", "PaymentCompleted"]


def test_concurrent_creates_with_one_reference_make_one_payment(sb, zwitch):
    barrier = threading.Barrier(20)
    body = {"amount": 12.5, "merchant_reference_id": "race-1"}

    def attempt(_):
        with httpx.Client(
            base_url=sb.url + "/zwitch", headers=dict(zwitch.headers), timeout=60
        ) as client:
            barrier.wait()
            response = client.post("/v1/accounts/acc_1234567890/payments/upi/collect", json=body)
            return response.status_code, response.json()["id"]

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(attempt, range(20)))
    assert {status for status, _ in results} == {200}
    assert len({payment_id for _, payment_id in results}) == 1
