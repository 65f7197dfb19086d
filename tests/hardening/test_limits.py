"""Issue 10, item 4: request size limits answered in the provider's shape, short error
messages, a bounded test inbox and bounded webhook history, and flat memory."""

from __future__ import annotations

import os

import httpx
import pytest

from tests.conftest import ZWITCH_A
from tests.hardening.helpers import deliver_rounds, queue_deliveries, quiet_runtime
from tests.providers.zwitch.helpers import COLLECT_PATH, DOC_COLLECT_BODY

MiB = 1024 * 1024
TEXT = {"Content-Type": "text/plain"}


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MiB


@pytest.mark.parametrize("prefix, path", [("zwitch", COLLECT_PATH), ("_sandbox", "/clock/advance")])
def test_a_body_over_the_limit_gets_413_in_the_shape_of_its_prefix(client_for, prefix, path):
    client = client_for(prefix, {**ZWITCH_A, "Content-Type": "application/json"})
    answer = client.post(path, content=b" " * (4 * MiB + 1))
    assert answer.status_code == 413
    error = answer.json()["error"]
    assert error["code"] == "payload_too_large" and "4194304 bytes" in error["message"]


def test_a_chunked_body_over_the_limit_gets_413(sb, client_for, sandbox_with):
    small = sandbox_with(max_body_bytes=1000)

    def chunks():
        for _ in range(10):
            yield b" " * 500

    with httpx.Client(base_url=small.url, headers=ZWITCH_A) as client:
        answer = client.post(f"/zwitch{COLLECT_PATH}", content=chunks())
        assert answer.status_code == 413
        assert answer.json()["error"]["code"] == "payload_too_large"
        fits = client.post(f"/zwitch{COLLECT_PATH}", json=DOC_COLLECT_BODY)
        assert fits.status_code == 200


def test_headers_over_the_limit_get_431_in_the_providers_shape(client_for):
    client = client_for("zwitch", {**ZWITCH_A, "X-Padding": "p" * 40_000})
    answer = client.get("/v1/payments")
    assert answer.status_code == 431
    error = answer.json()["error"]
    assert error["code"] == "request_header_fields_too_large"
    assert "32768" in error["message"]


def test_an_error_quotes_only_a_short_prefix_of_a_bad_value(zwitch):
    huge = "r" * 1_000_000
    answer = zwitch.post(COLLECT_PATH, json={**DOC_COLLECT_BODY, "merchant_reference_id": huge})
    assert answer.status_code == 400
    message = answer.json()["error"]["message"]
    assert len(message) <= 500 and "r" * 40 + "…" in message and "r" * 41 not in message


def test_the_inbox_keeps_the_newest_entries_within_its_count_and_bytes(sandbox_with):
    sb = sandbox_with(inbox_max_entries=3, inbox_max_bytes=250_000)
    with sb.client() as client:
        for number in range(5):
            client.post("/_sandbox/inbox/few", json={"n": number})
        kept = client.get("/_sandbox/inbox/few").json()["data"]
        assert [entry["body"] for entry in kept] == ['{"n":2}', '{"n":3}', '{"n":4}']
        for number in range(4):
            text = str(number) * 100_000
            client.post("/_sandbox/inbox/big", content=text, headers={"Content-Type": "text/plain"})
        kept = client.get("/_sandbox/inbox/big").json()["data"]
        assert [entry["body"][0] for entry in kept] == ["2", "3"]
        client.post("/_sandbox/reset")
        assert client.get("/_sandbox/inbox/big").json()["data"] == []


def test_webhook_deliveries_and_attempts_are_trimmed_to_the_history(sb):
    # A runtime without a server: no background worker delivers behind the test's back.
    rt = quiet_runtime(webhook_history=4)
    try:
        queue_deliveries(rt, f"{sb.url}/_sandbox/inbox/history", 10)
        (first,) = deliver_rounds(rt, 1)
        assert len(first) == 10 and {d.status for d in first} == {"delivered"}
        kept = rt.store.deliveries(limit=1000)
        assert [d.id for d in kept] == [d.id for d in first[-4:]]
        assert rt.store.attempts(first[0].id) == [] and len(rt.store.attempts(kept[0].id)) == 1
    finally:
        rt.close()


def test_memory_stays_flat_over_many_large_inbox_posts(sandbox_with):
    """150 posts of 1 MB once grew RSS by 165 MB and a reset gave nothing back."""
    sb = sandbox_with()
    body = b"x" * MiB
    with sb.client() as client:
        for _ in range(30):  # warm-up: the inbox reaches its bound
            assert (
                client.post("/_sandbox/inbox/bulk", content=body, headers=TEXT).status_code == 200
            )
        client.get("/_sandbox/inbox/bulk")
        before = _rss_mb()
        for _ in range(150):
            assert (
                client.post("/_sandbox/inbox/bulk", content=body, headers=TEXT).status_code == 200
            )
        client.get("/_sandbox/inbox/bulk")
        client.post("/_sandbox/reset")
        after = _rss_mb()
    print(f"RSS {before:.1f} MB -> {after:.1f} MB over 150 posts of 1 MB")
    assert after - before < 25
