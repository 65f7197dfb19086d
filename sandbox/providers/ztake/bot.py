"""ZiBot, ZTake's support chatbot, without a language model: replies are deterministic
and answer from sandbox state. An order id, merchant order id or UTR in the message gets
that order's real status and amount; anything else gets a fixed help answer that quotes
the vendor's configured bot name and system prompt (so a config change shows)."""

from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING, Any, Mapping

from sandbox.clock import iso_z
from sandbox.money import as_string
from sandbox.providers.base import Tenant
from sandbox.providers.ztake import errors
from sandbox.providers.ztake.models import (
    CHAT_CONFIG,
    NAME,
    ORDER,
    PAYMENT,
    SESSION,
    order_record_id,
)
from sandbox.store import Record

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

# Seed 000's "/api/v2/chat/config" example.
DEFAULT_CONFIG = {
    "system_prompt": (
        "You are a helpful payment support assistant. Answer questions about payment status."
    ),
    "bot_name": "ZiBot",
    "is_active": True,
}
MAX_MESSAGES = 200  # per session (100 exchanges); a sandbox bound
MAX_LOOKUPS = 20  # words tried as merchant order ids, so a long message stays cheap
SESSION_ALPHABET = string.ascii_lowercase + string.digits

_ORDER_ID = re.compile(r"\b(?:ZTK|ord_)[0-9]{10}\b")
_UTR = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/#-]{0,63}")


def _config_id(tenant_id: str) -> str:
    return f"cfg_{tenant_id}"


def seed_config(rt: "Runtime", tenant: Tenant) -> None:
    """The vendor's default ZiBot configuration."""
    rt.store.insert(
        Record(
            NAME,
            tenant.id,
            CHAT_CONFIG,
            _config_id(tenant.id),
            "active",
            dict(DEFAULT_CONFIG),
            rt.clock.start_ms,
        )
    )


def config(rt: "Runtime", tenant_id: str) -> Record:
    """The vendor's ZiBot configuration record."""
    record = rt.store.get(NAME, tenant_id, CHAT_CONFIG, _config_id(tenant_id))
    assert record is not None, f"{tenant_id} has no ZiBot configuration"
    return record


def config_view(record: Record) -> dict[str, Any]:
    """GET /api/v2/chat/config → config."""
    data = record.data
    return {
        "system_prompt": data["system_prompt"],
        "bot_name": data["bot_name"],
        "is_active": data["is_active"],
    }


def update_config(rt: "Runtime", tenant_id: str, changes: Mapping[str, Any]) -> Record:
    """Changes the fields sent (compare-and-set, so concurrent updates both apply)."""
    wanted = {k: changes[k] for k in ("system_prompt", "bot_name", "is_active") if k in changes}
    while True:
        record = config(rt, tenant_id)
        data = {**record.data, **wanted}
        updated = rt.store.compare_and_set(
            record, "active" if data["is_active"] else "inactive", data
        )
        if updated is not None:
            return updated


def _new_session(rt: "Runtime", tenant_id: str, now: int) -> Record:
    number = rt.ids.number(f"{NAME}:session")
    suffix = rt.ids.token(f"session:{number}", 6, SESSION_ALPHABET)
    record = Record(
        NAME,
        tenant_id,
        SESSION,
        f"sess_{now // 1000}_{suffix}",
        "open",
        {"messages": [], "updated_at": now},
        now,
    )
    rt.store.insert(record)
    return record


def session(rt: "Runtime", tenant_id: str, session_id: str) -> Record:
    """The vendor's session, or 404 (another vendor's included)."""
    record = rt.store.get(NAME, tenant_id, SESSION, session_id)
    if record is None:
        raise errors.session_not_found(session_id)
    return record


def exchange(
    rt: "Runtime", tenant_id: str, message: str, session_id: str | None
) -> tuple[Record, str, str]:
    """Answers a message in a (new or existing) session; returns the session after the
    exchange, the reply and the bot name."""
    settings = config(rt, tenant_id).data
    if not settings["is_active"]:
        raise errors.bot_disabled(settings["bot_name"])
    now = rt.clock.now_ms()
    answer = reply(rt, tenant_id, message, settings)
    with rt.store.transaction():
        record = (
            _new_session(rt, tenant_id, now)
            if session_id is None
            else session(rt, tenant_id, session_id)
        )
        while True:
            messages = list(record.data["messages"])
            if len(messages) + 2 > MAX_MESSAGES:
                raise errors.session_full(record.id, MAX_MESSAGES)
            messages += [
                {"role": "user", "content": message},
                {"role": "assistant", "content": answer},
            ]
            updated = rt.store.compare_and_set(
                record, record.state, {"messages": messages, "updated_at": now}
            )
            if updated is not None:
                return updated, answer, settings["bot_name"]
            record = session(rt, tenant_id, record.id)


def history_view(record: Record) -> dict[str, Any]:
    """GET /api/v2/chat/history."""
    return {
        "success": True,
        "session_id": record.id,
        "messages": [{"role": m["role"], "content": m["content"]} for m in record.data["messages"]],
        "created_at": iso_z(record.created_at),
        "updated_at": iso_z(record.data["updated_at"]),
    }


# -- replies ----------------------------------------------------------------------------


def _rs(paise: int) -> str:
    text = as_string(paise)
    return text[:-3] if text.endswith(".00") else text


def describe(order: Record, utr: str | None = None) -> str:
    """What ZiBot says about an order (seed 000's example reply for a succeeded one)."""
    data = order.data
    amount, name = _rs(data["amount"]), data["merchant_order_id"]
    via = f" with UTR {utr}" if utr else ""
    if order.state == "Succeeded":
        return (
            f"I checked your details. The payment of Rs. {amount}{via} for order {name} "
            "has succeeded. Please reload your merchant portal."
        )
    if order.state == "Pending":
        return (
            f"I checked your details. The payment of Rs. {amount} for order {name} is "
            f"pending: UTR {data.get('utr') or 'reported'} awaits the vendor's confirmation."
        )
    if order.state == "Expired":
        return (
            f"I checked your details. Order {name} for Rs. {amount} has expired without a "
            "confirmed payment. Please create a new order."
        )
    return (
        f"I checked your details. Order {name} for Rs. {amount} is awaiting payment until "
        f"{iso_z(data['expires_at'])}. Pay to the UPI id on the checkout page and submit "
        "the UTR there."
    )


def _find(rt: "Runtime", tenant_id: str, message: str) -> tuple[Record, str | None] | None:
    """The vendor's order the message asks about, and the UTR it named, if any."""
    for order_id in _ORDER_ID.findall(message):
        order = rt.store.get(NAME, tenant_id, ORDER, order_record_id(order_id))
        if order is not None:
            return order, None
    for utr in _UTR.findall(message):
        payment = rt.store.get(NAME, tenant_id, PAYMENT, utr)
        if payment is not None and payment.parent is not None:
            order = rt.store.get(NAME, tenant_id, ORDER, payment.parent)
            if order is not None:
                return order, utr
    words = list(dict.fromkeys(w.rstrip(".:/#-") for w in _WORD.findall(message)))
    for word in words[:MAX_LOOKUPS]:
        order = rt.store.get_by_ref(NAME, tenant_id, ORDER, word)
        if order is not None:
            return order, None
    return None


def reply(rt: "Runtime", tenant_id: str, message: str, settings: Mapping[str, Any]) -> str:
    """ZiBot's deterministic answer to `message`."""
    found = _find(rt, tenant_id, message)
    if found is not None:
        return describe(*found)
    return (
        f"Hi, I'm {settings['bot_name']}. {settings['system_prompt']} ".replace("  ", " ")
        + "Send me an order id (ZTK… or ord_…), your merchant order id or the 12-digit UTR "
        "of a payment and I will look up its status."
    )
