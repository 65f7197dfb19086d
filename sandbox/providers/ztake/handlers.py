"""ZTake operations (operationIds of specs/ztake.yaml): parse → models/engine → shape."""

from __future__ import annotations

from typing import Any

from sandbox.clock import iso_z
from sandbox.context import base_url, current
from sandbox.providers.ztake import auth, bot, errors, models
from sandbox.providers.ztake.models import NAME, ORDER, PAYMENT, PAYOUT
from sandbox.store import DuplicateRef

Response = tuple[dict[str, Any], int]
PAYOUTS_LISTED = 100  # the newest payouts the list returns (a sandbox bound)


async def login(body: dict[str, Any]) -> Response:
    token = auth.login(current(), body["email"], body["password"])
    return {"success": True, "token": token}, 200


# -- orders -----------------------------------------------------------------------------


async def create_order(body: dict[str, Any], token_info: dict[str, Any]) -> Response:
    rt = current()
    tenant = rt.tenant(NAME, token_info["tenant"])
    with rt.store.transaction():  # the id counter and the order commit together
        draft = models.draft_order(rt, tenant, body, rt.clock.now_ms())
        try:
            record = rt.engine.create(NAME, tenant.id, ORDER, draft.id, draft.data, ref=draft.ref)
        except DuplicateRef as duplicate:
            record = duplicate.existing
            if record.data.get("_fingerprint") != draft.data["_fingerprint"]:
                raise errors.reference_reused(body["merchantOrderId"], record.id) from None
    return models.order_created(record, rt.public_url(base_url())), 200


async def get_order(orderId: str, token_info: dict[str, Any]) -> Response:  # noqa: N803
    rt = current()
    record = rt.store.get(NAME, token_info["tenant"], ORDER, models.order_record_id(orderId))
    if record is None:
        raise errors.order_not_found(orderId)
    return {"success": True, "order": models.order_view(record)}, 200


async def submit_utr(orderId: str, body: dict[str, Any]) -> Response:  # noqa: N803
    rt = current()
    order = models.submit_utr(rt, models.find_order(rt, orderId), body["utr"])
    return {
        "success": True,
        "message": "UTR submitted and pending confirmation",
        "order": models.submitted_view(order),
    }, 200


# -- payments ---------------------------------------------------------------------------


async def update_payment(body: dict[str, Any], token_info: dict[str, Any]) -> Response:
    rt = current()
    payment = models.confirm_payment(rt, rt.tenant(NAME, token_info["tenant"]), body)
    return {
        "success": True,
        "message": "Payment verified and updated successfully",
        "payment": models.confirmed_view(payment, models.payment_order(rt, payment)),
    }, 200


async def check_payment(body: dict[str, Any]) -> Response:
    rt = current()
    payment = rt.store.find(NAME, body["utr"], PAYMENT)
    if payment is None:
        raise errors.payment_not_found(body["utr"])
    order = models.payment_order(rt, payment)
    return {
        "success": True,
        "status": models.PAYMENT_STATUS[order.state][1],
        "amount": models.amount_json(payment.data["amount"]),
        "checked_at": iso_z(rt.clock.now_ms()),
    }, 200


async def get_payment_info(token_info: dict[str, Any]) -> Response:
    return models.payment_info(current().tenant(NAME, token_info["tenant"])), 200


async def list_vendor_payments(
    token_info: dict[str, Any], page: int = 1, limit: int = 10
) -> Response:
    rt = current()
    result = rt.store.query(
        NAME, token_info["tenant"], PAYMENT, limit=limit, offset=(page - 1) * limit
    )
    return {
        "success": True,
        "payments": [models.payment_view(p, models.payment_order(rt, p)) for p in result.records],
        "pagination": {"total": result.total, "page": page, "limit": limit},
    }, 200


async def list_payouts(token_info: dict[str, Any]) -> Response:
    rt = current()
    result = rt.store.query(NAME, token_info["tenant"], PAYOUT, limit=PAYOUTS_LISTED)
    return {"success": True, "payouts": [models.payout_view(r) for r in result.records]}, 200


# -- ZiBot ------------------------------------------------------------------------------


async def send_chat_message(body: dict[str, Any], token_info: dict[str, Any]) -> Response:
    rt = current()
    session, reply, bot_name = bot.exchange(
        rt, token_info["tenant"], body["message"], body.get("session_id")
    )
    return {"success": True, "reply": reply, "session_id": session.id, "bot_name": bot_name}, 200


async def get_chat_history(session_id: str, token_info: dict[str, Any]) -> Response:
    return bot.history_view(bot.session(current(), token_info["tenant"], session_id)), 200


async def get_chat_config(token_info: dict[str, Any]) -> Response:
    record = bot.config(current(), token_info["tenant"])
    return {"success": True, "config": bot.config_view(record)}, 200


async def update_chat_config(body: dict[str, Any], token_info: dict[str, Any]) -> Response:
    bot.update_config(current(), token_info["tenant"], body)
    return {"success": True, "message": "ZiBot config updated"}, 200
