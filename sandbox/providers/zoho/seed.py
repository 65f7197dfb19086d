"""Zoho's default tenants (DESIGN.md) and the seeded history each starts with."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from sandbox.lifecycle import EffectContext
from sandbox.money import as_string
from sandbox.providers.base import Tenant
from sandbox.providers.zoho import effects, models
from sandbox.providers.zoho.models import NAME, PAYMENT
from sandbox.store import Record

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

DEFAULT_TENANTS = (
    Tenant(
        id="23137556",
        name="TechMart India",
        credentials={
            "authorization": "Zoho-oauthtoken 1000.sandbox.zoho.token",
            "oauth_token": "1000.sandbox.zoho.token",
            "scopes": ["ZohoPay.payments.READ"],
            # A token of the same account without the read scope, to see the refusal.
            "other_tokens": [
                {"token": "1000.sandbox.zoho.noscope", "scopes": ["ZohoPay.payments.CREATE"]}
            ],
        },
        profile={"statement_descriptor": "TECHMART INDIA"},
    ),
    Tenant(
        id="23137557",
        name="Kirana Express",
        credentials={
            "authorization": "Zoho-oauthtoken 1000.sandbox.zoho.token2",
            "oauth_token": "1000.sandbox.zoho.token2",
            "scopes": ["ZohoPay.payments.READ"],
        },
        profile={"statement_descriptor": "KIRANA EXPRESS"},
    ),
)

MINUTE = 60_000
DAY = 24 * 60 * MINUTE
# Seeded history: (status, weight). Refunds and disputes need a captured payment first.
STATUSES = (
    ("succeeded", 10),
    ("failed", 3),
    ("canceled", 2),
    ("incomplete", 1),
    ("blocked", 1),
    ("partially_refunded", 2),
    ("refunded", 2),
    ("disputed", 1),
    ("initiated", 1),
)
HISTORY = 48  # payments per tenant over the last fourteen months (every date filter)


def seed(rt: "Runtime", tenant: Tenant) -> None:
    """Fourteen months of payments in every status and method, newest within the hour."""
    fake = rt.faker(NAME, tenant.id)
    start = rt.clock.start_ms
    for index in range(HISTORY):
        # A third in the last 30 days, the rest spread over fourteen months.
        span = 30 * DAY if index % 3 == 0 else 425 * DAY
        created = start - fake.random_int(5 * MINUTE, span)
        status = (
            fake.random_element(OrderedDict(STATUSES))
            if index >= len(STATUSES)
            else STATUSES[index][0]
        )
        method = models.METHODS[index % 3]
        invoice = f"INV-{fake.random_int(1, 99999):06d}"
        body = {
            "amount": f"{fake.random_int(100, 50_000)}.{fake.random_element(('00', '50', '99'))}",
            "method": method,
            "phone": f"+91 {fake.numerify('9#########')}",
            "receipt_email": fake.free_email(),
            "reference_number": f"REF-{fake.random_int(10000, 99999)}",
            "invoice_number": invoice,
            "description": f"Payment for {invoice}",
            "outcome": "initiated",
        }
        if index % 7 == 0:
            body["mandate_id"] = fake.numerify("2160000014#####")
        if index % 4 == 0:
            body["meta_data"] = [{"key": "order_id", "value": fake.numerify("ORD-#####")}]
        draft = models.draft_payment(rt, tenant, body, created)
        data = _settle(draft.data, status, rt, created)
        rt.engine.create(NAME, tenant.id, PAYMENT, draft.id, data, created_at=created, state=status)


def _settle(data: dict, status: str, rt: "Runtime", at: int) -> dict:
    """The money fields of a payment that reached `status` (the same effects a live one
    goes through, so seeded and live payments reconcile alike)."""
    record = Record(NAME, data["account_id"], PAYMENT, "seed", "initiated", data, at)
    ctx = EffectContext(at=at, ids=rt.ids)
    if status in ("succeeded", "partially_refunded", "refunded", "disputed"):
        data = {**data, **effects.captured(record, ctx)}
    if status == "partially_refunded":
        half = as_string(data["amount_captured"] // 2)
        refund_ctx = EffectContext(at=at, ids=rt.ids, params={"amount": half})
        data = {**data, **effects.refunded(record.evolve(data=data), refund_ctx)}
    if status == "refunded":
        data = {**data, **effects.refunded(record.evolve(data=data), ctx)}
    if status == "disputed":
        data = {**data, **effects.disputed(record.evolve(data=data), ctx)}
    return data
