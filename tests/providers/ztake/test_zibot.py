"""ZiBot: sessions persist and keep their messages in order, replies answer from sandbox
state, the configuration changes the replies, and a disabled bot answers 403."""

from __future__ import annotations

import re

from tests.providers.ztake.helpers import UTR, confirm, create_order, submit


def _say(client, message: str, session_id: str | None = None):
    body = (
        {"message": message}
        if session_id is None
        else {"message": message, "session_id": session_id}
    )
    return client.post("/api/v2/chat/message", json=body)


def test_asking_about_the_documented_order_gets_the_documented_answer(ztake):
    response = _say(ztake, "Where is my order tech_3289138?")
    assert response.status_code == 200
    body = response.json()
    assert body["reply"] == (
        "I checked your details. The payment of Rs. 500 for order tech_3289138 has "
        "succeeded. Please reload your merchant portal."
    )
    assert body["bot_name"] == "ZiBot"
    assert re.fullmatch(r"sess_1705312800_[a-z0-9]{6}", body["session_id"])


def test_replies_follow_the_real_state_by_order_id_and_utr(ztake, public):
    created = create_order(ztake, amount=1299.5)
    order_id = created["ztakeOrderId"]
    assert "awaiting payment" in _say(ztake, f"status of {order_id}?").json()["reply"]
    submit(public, order_id)
    pending = _say(ztake, f"what about ord_{order_id[3:]}").json()["reply"]
    assert "Rs. 1299.50" in pending and "pending" in pending and UTR in pending
    confirm(ztake, amount=1299.5)
    by_utr = _say(ztake, f"I paid with UTR {UTR}, did it work").json()["reply"]
    assert by_utr == (
        f"I checked your details. The payment of Rs. 1299.50 with UTR {UTR} for order "
        "merchant_3289138 has succeeded. Please reload your merchant portal."
    )


def test_anything_else_gets_the_help_answer(ztake):
    reply = _say(ztake, "hello there").json()["reply"]
    assert reply.startswith("Hi, I'm ZiBot. You are a helpful payment support assistant.")
    assert "12-digit UTR" in reply


def test_sessions_keep_the_messages_in_order(ztake):
    first = _say(ztake, "hello").json()
    session_id = first["session_id"]
    second = _say(ztake, "tech_3289138", session_id).json()
    assert second["session_id"] == session_id
    history = ztake.get("/api/v2/chat/history", params={"session_id": session_id})
    assert history.status_code == 200
    body = history.json()
    assert [(m["role"], m["content"]) for m in body["messages"]] == [
        ("user", "hello"),
        ("assistant", first["reply"]),
        ("user", "tech_3289138"),
        ("assistant", second["reply"]),
    ]
    assert body["created_at"] == body["updated_at"] == "2024-01-15T10:00:00Z"


def test_config_changes_the_name_and_prompt_used_in_replies(ztake, dashboard):
    config = dashboard.get("/api/v2/chat/config").json()["config"]
    assert config == {
        "system_prompt": "You are a helpful payment support assistant. Answer questions "
        "about payment status.",
        "bot_name": "ZiBot",
        "is_active": True,
    }
    update = {"system_prompt": "Answer about UPI payments.", "bot_name": "PayHelp"}
    response = dashboard.post("/api/v2/chat/config", json=update)
    assert response.json() == {"success": True, "message": "ZiBot config updated"}
    assert dashboard.get("/api/v2/chat/config").json()["config"]["bot_name"] == "PayHelp"
    reply = _say(ztake, "hi").json()
    assert reply["bot_name"] == "PayHelp"
    assert reply["reply"].startswith("Hi, I'm PayHelp. Answer about UPI payments.")


def test_a_disabled_bot_answers_403_until_enabled(ztake, dashboard):
    dashboard.post("/api/v2/chat/config", json={"is_active": False})
    response = _say(ztake, "hello")
    assert response.status_code == 403
    assert response.json()["code"] == "bot_disabled"
    assert '"is_active": true' in response.json()["error"]
    dashboard.post("/api/v2/chat/config", json={"is_active": True})
    assert _say(ztake, "hello").status_code == 200


def test_unknown_sessions_are_404(ztake):
    response = _say(ztake, "hi", "sess_1705312800_zzzzzz")
    assert response.status_code == 404 and response.json()["code"] == "session_not_found"
    history = ztake.get("/api/v2/chat/history", params={"session_id": "sess_1_abcdef"})
    assert history.status_code == 404
