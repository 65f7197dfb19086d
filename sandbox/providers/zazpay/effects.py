"""Data changes made by ZazPay transitions: each payment step is written to
`payment_histories` at the transition's sandbox instant."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from sandbox.context import current
from sandbox.errors import ApiError
from sandbox.lifecycle import Draft, EffectContext
from sandbox.providers.zazpay import catalogue, periods
from sandbox.providers.zazpay import money as zmoney
from sandbox.providers.zazpay.models import (
    PAYMENT,
    action_label,
    history_entry,
    new_key,
    new_number,
)
from sandbox.store import Record

Effect = Callable[[Record, EffectContext], dict[str, Any]]


def _step(simple: str | None, status: str, *, paykey: bool = False) -> Effect:
    """An effect recording one step: the action (None: the payment's requested one) and
    the status it leads to."""

    def effect(record: Record, ctx: EffectContext) -> dict[str, Any]:
        data = record.data
        action = action_label(data, simple or data["requested"])
        changes: dict[str, Any] = {
            "action": action,
            "modified_at": ctx.at,
            "histories": [*data.get("histories", []), history_entry(ctx.at, action, status)],
        }
        if paykey and not data.get("paykey"):
            changes["paykey"] = new_key(ctx.ids, "paykey")
        return changes

    return effect


def refund(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """A full refund; a marketplace one says what came back from whom (`refunded_from`)."""
    changes = _step("Refund", "Refunded")(record, ctx)
    market = record.data.get("marketplace")
    if market:
        back = zmoney.refund_split(split_of(record.data))
        changes["refunded_from"] = [
            {
                "marketplace_receiver_id": market["receiver_id"],
                "amount": f"{back.from_receiver:.2f}",
            },
            {"marketplace_merchant_id": record.tenant, "amount": f"{back.from_merchant:.2f}"},
        ]
    return changes


def split_of(data: dict[str, Any]) -> zmoney.Split:
    """The marketplace split of stored payment data, recomputed exactly."""
    market = data["marketplace"]
    fixed, variable = market["fixed_merchant_amount"], market["variable_merchant_amount"]
    return zmoney.split(
        Decimal(data["original_amount"]),
        Decimal(market["receiver_amount"]),
        zmoney.FeeFormula.parse(data["fee_formula"]),
        fixed_merchant_amount=Decimal(fixed) if fixed else None,
        variable_merchant_amount=Decimal(variable) if variable else None,
        fees_payer=market["fees_payer"],
    )


def vault_updated(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """Stamps the update (the fields come with the transition's changes)."""
    return {"modified_at": ctx.at}


def _receiver_gateway(record: Record, ctx: EffectContext) -> int:
    """The gateway a receiver's step is about: `params.gateway_id` (the connect page's or
    step 2's), else the one step 1 named; one of the merchant's marketplace gateways."""
    raw = ctx.params.get("gateway_id", record.data["requested_gateway"])
    known = sorted(g.id for g in catalogue.marketplace_gateways(record.tenant))
    if str(raw) not in {str(gateway_id) for gateway_id in known}:
        raise ApiError(
            400,
            "validation_error",
            f"gateway_id: {str(raw)[:40]!r} is not one of merchant {record.tenant}'s "
            f"marketplace gateways ({', '.join(map(str, known))}).",
            field="gateway_id",
        )
    return int(raw)


def receiver_connected(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """A gateway account of the receiver is connected (and its IPN says which)."""
    gateway = _receiver_gateway(record, ctx)
    return {
        "connected_at": ctx.at,
        "gateways": sorted({*record.data["gateways"], gateway}),
        "last_gateway": gateway,
    }


def receiver_connect_canceled(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """The receiver canceled on a gateway's connect page, or the gateway refused the
    account (its IPN says which gateway)."""
    return {"last_gateway": _receiver_gateway(record, ctx)}


def subscription_activated(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """The buyer approved the subscription on the (sandbox's) PayPal page; the first
    period is due at once (charged by the tick armed on entering `active`)."""
    return {"activated_at": ctx.at, "periods": 0, "next_charge_at": ctx.at, "failures": 0}


def payments_declined(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """The buyer's funding declines from now on: every charge fails until it is accepted."""
    return {"payments_decline": True}


def payments_accepted(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """The buyer's funding pays again (the next charge or reattempt succeeds)."""
    return {"payments_decline": False}


# PayPal's documented reattempts of a failed subscription payment: 3 days after the
# failure, then 5 days after that; none when the next payment is due within 14 days of the
# failure. The sandbox cancels a subscription at its third failed attempt in a row (PayPal:
# "if the second reattempt fails, PayPal cancels the subscription").
REATTEMPT_DAYS = (3, 5)
NO_REATTEMPT_WITHIN_MS = 14 * periods.DAY_MS
MAX_FAILURES = 3


def subscription_tick(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """Charges the period that has begun, or reattempts the failing one (armed at
    `next_charge_at`); at the MAX_FAILURES-th failure in a row it gives up (`gave_up_at`),
    and the transition cancels the subscription."""
    data = record.data
    if ctx.at < data["next_charge_at"]:
        return {}
    failing = data.get("reattempting")
    if failing:
        index, start, reattempts = failing["index"], failing["start"], failing["reattempts"]
    else:
        index, start, reattempts = data["periods"], data["next_charge_at"], 0
    current_period = periods.period(data["terms"], index)
    next_start = periods.add(start, current_period.length, current_period.unit)
    settled = {"periods": index + 1, "next_charge_at": next_start, "reattempting": None}
    if current_period.amount <= 0 or _charge(record, ctx, current_period.amount):
        return {**settled, "failures": 0}
    failures = data.get("failures", 0) + 1
    if failures >= MAX_FAILURES:
        return {**settled, "failures": failures, "gave_up_at": ctx.at, "canceled_at": ctx.at}
    if reattempts < len(REATTEMPT_DAYS) and next_start - ctx.at > NO_REATTEMPT_WITHIN_MS:
        return {
            "failures": failures,
            "reattempting": {"index": index, "start": start, "reattempts": reattempts + 1},
            "next_charge_at": ctx.at + REATTEMPT_DAYS[reattempts] * periods.DAY_MS,
        }
    return {**settled, "failures": failures}


def _charge(record: Record, ctx: EffectContext, amount: Decimal) -> bool:
    """Charges `amount` for the subscription: a payment of its website with
    `subscription_id`, created in this transition, Captured or (the buyer's funding
    declines) Error. True when it was paid."""
    assert ctx.engine is not None
    tenant = current().tenant(record.provider, record.tenant)
    data = record.data
    payment_id = new_number(ctx.engine.store, ctx.ids, tenant, PAYMENT)
    payment = {
        "website_id": data["website_id"],
        "gateway_id": data["gateway_id"],
        "amount": f"{amount:.2f}",
        "original_amount": f"{amount:.2f}",
        "currency_code": data["currency_code"],
        "item_name": data["item_name"],
        "item_description": data["item_description"],
        "buyer": data["buyer"],
        "requested": "Capture",
        "action": "Capture",
        "fees_payer": data.get("fees_payer", "merchant"),
        "fee_formula": "((amount * 100) +0.0)/100",
        "notify_url": data.get("notify_url"),
        "success_url": None,
        "cancel_url": None,
        "x_vars": data.get("x_vars") or {},
        "z_vars": {},
        "histories": [],
        "marketplace": None,
        "subscription_id": record.id,
        "user_handle": data["user_handle"],
    }
    ctx.create(Draft(PAYMENT, payment_id, payment, parent=data["website_id"]))
    paid = not data.get("payments_decline")
    transition = "capture" if paid else "decline"
    ctx.engine.apply(record.provider, record.tenant, PAYMENT, payment_id, transition, at=ctx.at)
    return paid


def subscription_canceled(record: Record, ctx: EffectContext) -> dict[str, Any]:
    """The merchant (or the buyer) canceled the subscription."""
    return {"canceled_at": ctx.at}


EFFECTS: dict[str, Effect] = {
    "auth": _step("Auth", "Authorized", paykey=True),
    "capture": _step("Capture", "Captured", paykey=True),
    "declined": _step(None, "Error"),
    "initiated": _step(None, "Initiated"),
    "pending": _step(None, "Pending", paykey=True),
    "buyer_canceled": _step(None, "Canceled"),
    "auth_capture": _step("Auth-Capture", "Captured"),
    "void": _step("Void", "Voided"),
    "refund": refund,
    "vault_updated": vault_updated,
    "receiver_connected": receiver_connected,
    "receiver_connect_canceled": receiver_connect_canceled,
    "subscription_activated": subscription_activated,
    "subscription_tick": subscription_tick,
    "payments_declined": payments_declined,
    "payments_accepted": payments_accepted,
    "subscription_canceled": subscription_canceled,
}
