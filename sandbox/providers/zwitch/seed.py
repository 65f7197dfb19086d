"""Zwitch's default tenants (DESIGN.md) and the seeded history each starts with."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from sandbox.lifecycle import EffectContext
from sandbox.providers.base import Tenant
from sandbox.providers.zwitch import effects, models
from sandbox.providers.zwitch.models import COLLECT, NAME, TOKEN
from sandbox.store import Record

if TYPE_CHECKING:
    from faker import Faker

    from sandbox.runtime import Runtime

DEFAULT_TENANTS = (
    Tenant(
        id="acc_1234567890",
        name="TechMart India",
        credentials={
            "authorization": "Bearer ak_test_sandbox:sk_test_sandbox",
            "access_key": "ak_test_sandbox",
            "secret_key": "sk_test_sandbox",
            "webhook_secret": "whsec_test_zwitch",
        },
        profile={
            "accounts": ["acc_1234567890", "acc_1234567891"],
            "merchant_name": "TechMart India",
            "users_id": 366411705,
        },
    ),
    Tenant(
        id="acc_2000000002",
        name="Kirana Express",
        credentials={
            "authorization": "Bearer ak_test_other:sk_test_other",
            "access_key": "ak_test_other",
            "secret_key": "sk_test_other",
            "webhook_secret": "whsec_test_other",
        },
        profile={
            "accounts": ["acc_2000000002"],
            "merchant_name": "Kirana Express",
            "users_id": 366411802,
        },
    ),
)

MINUTE = 60_000
DAY = 24 * 60 * MINUTE
HISTORY = 24  # settled payments per tenant, over the last two weeks
# How settled history is spread over final states (weights).
FINAL_STATES = OrderedDict([("completed", 14), ("failed", 4), ("expired", 4), ("cancelled", 2)])


def seed(rt: "Runtime", tenant: Tenant) -> None:
    """Two weeks of UPI collect history, payments still in flight, and payment tokens."""
    fake = rt.faker(NAME, tenant.id)
    start = rt.clock.start_ms
    accounts = list(tenant.profile["accounts"])
    # Order numbers rise with time, as a shop's would, and never repeat.
    orders = iter(range(fake.random_int(20_000, 70_000), 10**6, 7))
    settled = sorted(start - fake.random_int(20 * MINUTE, 14 * DAY) for _ in range(HISTORY))
    for created in settled:
        state = fake.random_element(FINAL_STATES)
        _collect(rt, tenant, fake, next(orders), fake.random_element(accounts), created, state)
    # In flight at the start instant: two awaiting a payer (they expire in a while) and one
    # paid by success@upi that completes within the first minute.
    for minutes_ago in (12, 4):
        _collect(rt, tenant, fake, next(orders), accounts[0], start - minutes_ago * MINUTE, None)
    _collect(rt, tenant, fake, next(orders), accounts[0], start - 5_000, None, payer="success@upi")
    for minutes_ago, final in (
        (3 * 24 * 60, "paid"),
        (26 * 60, "paid"),
        (30, "attempted"),
        (8, None),
    ):
        _token(rt, tenant, fake, next(orders), start - minutes_ago * MINUTE, final)


def _collect(
    rt: "Runtime",
    tenant: Tenant,
    fake: "Faker",
    order: int,
    account: str,
    created: int,
    state: str | None,
    payer: str | None = None,
) -> None:
    bank = fake.random_element(("okaxis", "ybl", "oksbi", "paytm"))
    body: dict[str, Any] = {
        "amount": _amount(fake, 49, 24_999),
        "expiry_in_minutes": fake.random_element((15, 30, 30, 60)),
        "remark": f"Order #{order}",
        "merchant_reference_id": f"order_{order}",
        "metadata": {"order_id": f"order_{order}", "customer_id": fake.numerify("cust_####")},
        "remitter_vpa_handle": payer or f"{fake.user_name()}@{bank}",
    }
    draft = models.draft_collect(rt, tenant, {**body, "account_id": account}, created)
    record = Record(NAME, tenant.id, COLLECT, draft.id, state or "pending", draft.data, created)
    if state in ("completed", "failed"):
        at = created + fake.random_int(15_000, 5 * MINUTE)
        draft.data.update(
            effects.payment_completed(record, _ctx(rt, tenant, at))
            if state == "completed"
            else effects.payment_received(record, _ctx(rt, tenant, at))
        )
    outcome = "success" if payer == "success@upi" else None if state else "no_payer"
    rt.engine.create(
        NAME,
        tenant.id,
        COLLECT,
        draft.id,
        draft.data,
        ref=draft.ref,
        parent=draft.parent,
        created_at=created,
        state=state,
        outcome=outcome,
    )


def _token(
    rt: "Runtime", tenant: Tenant, fake: "Faker", order: int, created: int, state: str | None
) -> None:
    body = {
        "amount": _amount(fake, 99, 9_999),
        "currency": "INR",
        "mtx": f"ORDER_{order}",
        "contact_number": fake.numerify("9#########"),
        "email_id": fake.free_email(),
    }
    draft = models.draft_token(rt, tenant, body, created)
    record = Record(NAME, tenant.id, TOKEN, draft.id, state or "created", draft.data, created)
    at = created + fake.random_int(30_000, 8 * MINUTE)
    if state == "paid":
        draft.data.update(effects.attempt_captured(record, _ctx(rt, tenant, at)))
    elif state == "attempted":
        draft.data.update(effects.attempt_failed(record, _ctx(rt, tenant, at)))
    rt.engine.create(
        NAME, tenant.id, TOKEN, draft.id, draft.data, ref=draft.ref, created_at=created, state=state
    )


def _amount(fake: "Faker", low: int, high: int) -> str:
    return f"{fake.random_int(low, high)}.{fake.random_int(0, 99):02d}"


def _ctx(rt: "Runtime", tenant: Tenant, at: int) -> EffectContext:
    return EffectContext(at=at, ids=rt.ids.scoped(NAME, tenant.id))
