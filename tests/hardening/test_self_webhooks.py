"""Issue 10, item 5: webhooks cannot be aimed at the sandbox's own control API, and one
`deliver` call does a bounded amount of work."""

from __future__ import annotations

import pytest

from sandbox.config import SandboxConfig
from tests.hardening.helpers import deliver_rounds, queue_deliveries, quiet_runtime
from tests.providers.zwitch.helpers import COLLECT_PATH, DOC_COLLECT_BODY

ENDPOINT = "/webhooks/endpoints/zwitch/acc_1234567890"


@pytest.mark.parametrize(
    "target", ["/_sandbox/reset", "/_sandbox/webhooks/deliver", "/zwitch/v1/payments", "/"]
)
def test_an_endpoint_aimed_at_the_sandbox_itself_is_refused(sb, control, target):
    port = sb.url.rsplit(":", 1)[1]
    for base in (sb.url, f"http://localhost:{port}", f"http://[::1]:{port}"):
        answer = control.put(ENDPOINT, json={"url": base + target})
        assert answer.status_code == 400, base + target
        error = answer.json()["error"]
        assert error["code"] == "validation_error" and error["field"] == "url"
        assert "/_sandbox/inbox/" in error["message"]
    assert control.get("/webhooks/endpoints").json()["data"][0]["url"] is None


def test_the_inbox_and_other_servers_stay_allowed(sb, control):
    port = int(sb.url.rsplit(":", 1)[1])
    for url in (f"{sb.url}/_sandbox/inbox/shop", f"http://127.0.0.1:{port + 1}/_sandbox/reset"):
        assert control.put(ENDPOINT, json={"url": url}).status_code == 200, url
    control.delete(ENDPOINT)


def test_what_counts_as_the_sandbox_itself():
    from sandbox.guard import targets_sandbox

    exposed = SandboxConfig(host="0.0.0.0", port=8000, public_url="https://sb.example.test")
    assert targets_sandbox(exposed, "http://192.168.1.9:8000/_sandbox/reset")
    assert targets_sandbox(exposed, "https://sb.example.test/_sandbox/reset")
    assert not targets_sandbox(exposed, "https://sb.example.test/_sandbox/inbox/a")
    assert not targets_sandbox(exposed, "http://receiver.example.test:8000/_sandbox/reset")
    assert not targets_sandbox(SandboxConfig(port=8000), "http://10.0.0.2:8000/_sandbox/reset")


def test_a_delivery_already_aimed_at_the_control_api_is_not_sent(sb, zwitch, control):
    """An endpoint stored before these checks (or a per-payment callback) is refused at
    delivery time, and the control API refuses the sandbox's own webhook sender anyway."""
    sb.advance(60)
    control.post("/webhooks/deliver")
    sb.runtime.store.set_endpoint("zwitch", "acc_1234567890", f"{sb.url}/_sandbox/reset", None)
    try:
        payment = zwitch.post(COLLECT_PATH, json=DOC_COLLECT_BODY).json()
        attempted = control.post("/webhooks/deliver").json()["data"]
    finally:
        control.delete(ENDPOINT)
    assert [d["attempts"][-1]["error"] for d in attempted] == [
        "refused: the URL points at this sandbox outside its test inbox"
    ]
    assert zwitch.get(f"/v1/payments/{payment['id']}").status_code == 200  # no reset
    with sb.client() as client:
        sender = client.post("/_sandbox/reset", headers={"User-Agent": "paysandbox-webhooks/0.1"})
    assert sender.status_code == 403 and "webhook delivery" in sender.json()["error"]["message"]


def test_one_deliver_call_makes_a_bounded_number_of_attempts(sb):
    rt = quiet_runtime(deliver_batch=3)
    try:
        queue_deliveries(rt, f"{sb.url}/_sandbox/inbox/batch", 7)
        rounds = [len(attempted) for attempted in deliver_rounds(rt, 4)]
    finally:
        rt.close()
    assert rounds == [3, 3, 1, 0]
