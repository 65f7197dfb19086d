"""The control API works for ZTake resources: credentials, resources, simulate."""

from __future__ import annotations

from tests.providers.ztake.helpers import create_order


def test_credentials_list_both_vendors_with_their_headers(control):
    vendors = control.get("/credentials").json()["ztake"]
    assert [v["id"] for v in vendors] == ["ZV1001", "ZV1002"]
    assert vendors[0]["credentials"]["secret_key"] == "pk_test_ztake_ZV1001"
    assert vendors[0]["credentials"]["email"] == "vendor@techmart.test"
    assert vendors[0]["headers"] == {"Authorization": "Bearer pk_test_ztake_ZV1001"}
    assert vendors[1]["profile"]["upi_id"] == "techmartexpress@ybl"


def test_an_order_can_be_inspected_and_driven(ztake, control):
    order_id = create_order(ztake)["ztakeOrderId"]
    resource = control.get(f"/resources/ztake/{order_id}").json()
    assert resource["kind"] == "order" and resource["state"] == "Created"
    assert resource["allowed_events"] == ["submit_utr", "expire"]
    assert resource["scheduled"] == [{"at": "2024-01-15T10:30:00Z", "event": "expire"}]
    expired = control.post(
        "/simulate", json={"provider": "ztake", "resource_id": order_id, "event": "expire"}
    )
    assert expired.status_code == 200 and expired.json()["state"] == "Expired"
    assert ztake.get(f"/api/v1/orders/{order_id}").json()["order"]["status"] == "Expired"
    illegal = control.post(
        "/simulate", json={"provider": "ztake", "resource_id": order_id, "event": "confirm"}
    )
    assert illegal.status_code == 409


def test_payments_and_sessions_are_resources_without_a_lifecycle(ztake, control):
    payment = control.get("/resources/ztake/652603702065").json()
    assert payment["kind"] == "payment" and payment["allowed_events"] == []
    assert payment["data"]["amount"] == 50000
    session_id = ztake.post("/api/v2/chat/message", json={"message": "hi"}).json()["session_id"]
    session = control.get(f"/resources/ztake/{session_id}").json()
    assert session["kind"] == "chat_session" and len(session["data"]["messages"]) == 2
    driven = control.post(
        "/simulate", json={"provider": "ztake", "resource_id": session_id, "event": "close"}
    )
    assert driven.status_code == 409
