"""Payouts: seeded from each vendor's settled payments, their lifecycle on the clock, and
created and failed from a scenario or the control API."""

from __future__ import annotations

from decimal import Decimal


def _payouts(dashboard) -> list[dict]:
    response = dashboard.get("/api/vendor/payouts")
    assert response.status_code == 200
    return response.json()["payouts"]


def test_seeded_payouts_settle_the_vendors_paid_orders(sb, dashboard):
    payouts = _payouts(dashboard)
    assert payouts and [p["created_at"] for p in payouts] == sorted(
        (p["created_at"] for p in payouts), reverse=True
    )
    statuses = {p["status"] for p in payouts}
    assert {"completed", "pending"} <= statuses
    for payout in payouts:
        assert payout["beneficiary_name"] == "Subash Chandra"
        assert payout["reference_id"].startswith("ref_")
        assert ("utr" in payout) == (payout["status"] == "completed")
    # Every paid order of the seeded history is in exactly one payout.
    store = sb.runtime.store
    paid = store.query("ztake", "ZV1001", "order", state="Succeeded", limit=1000).records
    total_paid = sum(r.data["amount"] for r in paid)
    total_paid_out = sum(Decimal(str(p["amount"])) * 100 for p in payouts)
    assert total_paid_out == total_paid


def test_the_in_flight_payout_moves_pending_processing_completed(sb, dashboard):
    pending = next(p for p in _payouts(dashboard) if p["status"] == "pending")
    sb.advance(3 * 60)  # created two minutes before the start; processed after five
    current = next(p for p in _payouts(dashboard) if p["id"] == pending["id"])
    assert current["status"] == "processing" and "utr" not in current
    sb.advance(25 * 60)
    current = next(p for p in _payouts(dashboard) if p["id"] == pending["id"])
    assert current["status"] == "completed" and len(current["utr"]) == 12


def test_payouts_are_created_by_a_scenario_and_fail_on_the_trigger(sb, dashboard, control):
    scenario = {
        "name": "ztake-payouts",
        "provider": "ztake",
        "fixtures": [
            {
                "kind": "payout",
                "body": {"amount": 1500, "reference_id": "fail_bank"},
                "save_as": "failing",
            },
            {"kind": "payout", "tenant": "ZV1001", "body": {"amount": 99.5}, "save_as": "ok"},
        ],
    }
    loaded = control.post("/scenarios", json=scenario)
    assert loaded.status_code == 201, loaded.text
    fixtures = loaded.json()["fixtures"]
    sb.advance(10 * 60)
    by_reference = {p["reference_id"]: p for p in _payouts(dashboard)}
    failed = by_reference["fail_bank"]
    assert failed["status"] == "failed" and failed["amount"] == 1500
    assert failed["failure_reason"] == "The beneficiary bank rejected the transfer."
    resource = control.get(f"/resources/ztake/{fixtures['ok']}").json()
    assert resource["state"] == "processing" and resource["allowed_events"] == ["complete", "fail"]
    failed_by_hand = control.post(
        "/simulate", json={"provider": "ztake", "resource_id": fixtures["ok"], "event": "fail"}
    )
    assert failed_by_hand.status_code == 200 and failed_by_hand.json()["state"] == "failed"
    assert any(p["status"] == "failed" and p["amount"] == 99.5 for p in _payouts(dashboard))


def test_payouts_are_per_vendor(dashboard, dashboard_b):
    ids_a = {p["id"] for p in _payouts(dashboard)}
    ids_b = {p["id"] for p in _payouts(dashboard_b)}
    assert ids_a and ids_b and not ids_a & ids_b
    assert {p["beneficiary_name"] for p in _payouts(dashboard_b)} == {"Meera Iyer"}
