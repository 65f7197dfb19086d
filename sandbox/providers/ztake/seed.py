"""ZTake's default tenants (DESIGN.md) and the seeded history each vendor starts with."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from sandbox.ids import DIGITS
from sandbox.money import as_string
from sandbox.providers.base import Tenant
from sandbox.providers.ztake import bot, models
from sandbox.providers.ztake.models import NAME, ORDER, PAYMENT, PAYOUT
from sandbox.store import Record

if TYPE_CHECKING:
    from faker import Faker

    from sandbox.runtime import Runtime

DEFAULT_TENANTS = (
    Tenant(
        id="ZV1001",
        name="TechMart India",
        credentials={
            "secret_key": "pk_test_ztake_ZV1001",
            "email": "vendor@techmart.test",
            "password": "sandbox",
        },
        profile={
            "business_name": "TechMart India",
            "upi_id": "techmart@ybl",
            "beneficiary_name": "Subash Chandra",  # seed 000's payout example
        },
    ),
    Tenant(
        id="ZV1002",
        name="TechMart Express",
        credentials={
            "secret_key": "pk_test_ztake_ZV1002",
            "email": "vendor2@techmart.test",
            "password": "sandbox",
        },
        profile={
            "business_name": "TechMart Express",
            "upi_id": "techmartexpress@ybl",
            "beneficiary_name": "Meera Iyer",
        },
    ),
)

MINUTE = 60_000
DAY = 24 * 60 * MINUTE
HISTORY = 20  # settled orders per vendor over the last two weeks
# How settled history is spread over final outcomes (weights).
OUTCOMES = OrderedDict([("paid", 14), ("unpaid", 4), ("unconfirmed", 2)])

# Seed 000's examples, as one order of the first vendor: so the documented payments/check,
# order lookup and ZiBot answer ("order tech_3289138 has succeeded") hold in the sandbox.
DOCUMENTED_ORDER_ID = "ZTK9182398129"
DOCUMENTED_ORDER = {
    "merchantOrderId": "tech_3289138",
    "amount": 500,
    "currency": "INR",
    "customerName": "Aravind Kumar",
    "returnUrl": "https://myshop.com/payment-result",
    "callbackUrl": "https://api.myshop.com/webhooks/payments",
    "utr": "652603702065",
}


def seed(rt: "Runtime", tenant: Tenant) -> None:
    """Two weeks of orders and payments, two orders in flight, payouts of the settled
    days (one failed, one in flight) and ZiBot's default configuration."""
    fake = rt.faker(NAME, tenant.id)
    start = rt.clock.start_ms
    bot.seed_config(rt, tenant)
    orders = iter(range(fake.random_int(3_000_000, 3_900_000), 10**8, 11))
    settled: dict[int, int] = {}  # day number → paise paid that day
    created_times = sorted(
        start - fake.random_int(3 * 60 * MINUTE, 14 * DAY) for _ in range(HISTORY)
    )
    for created in created_times:
        outcome = fake.random_element(OUTCOMES)
        paid = _order(rt, tenant, fake, f"tech_{next(orders)}", created, outcome)
        if paid is not None:
            day = paid[0] // DAY
            settled[day] = settled.get(day, 0) + paid[1]
    if tenant.id == DEFAULT_TENANTS[0].id:
        paid, amount = _documented_order(rt, tenant, start - 2 * 60 * MINUTE)
        settled[paid // DAY] = settled.get(paid // DAY, 0) + amount
    # In flight at the start instant: one awaiting payment, one awaiting confirmation.
    _order(rt, tenant, fake, f"tech_{next(orders)}", start - 5 * MINUTE, None)
    _order(rt, tenant, fake, f"tech_{next(orders)}", start - 8 * MINUTE, "submitted")
    _payouts(rt, tenant, settled, start)


def _order(
    rt: "Runtime",
    tenant: Tenant,
    fake: "Faker",
    merchant_order_id: str,
    created: int,
    outcome: str | None,
) -> tuple[int, int] | None:
    """One order; returns when it was paid and how much (None when it was not)."""
    body = {
        "merchantOrderId": merchant_order_id,
        "amount": _amount(fake),
        "currency": "INR",
        "customerName": fake.name(),
        "returnUrl": "https://shop.techmart.test/payment-result",
        "callbackUrl": "https://api.techmart.test/webhooks/ztake",
        "vendorCode": tenant.id,
    }
    utr = fake.numerify("%###########") if outcome in ("paid", "unconfirmed", "submitted") else None
    submitted = created + fake.random_int(MINUTE, 10 * MINUTE)
    paid = submitted + fake.random_int(MINUTE, 15 * MINUTE) if outcome == "paid" else None
    state = {"paid": "Succeeded", "unpaid": "Expired", "unconfirmed": "Expired"}.get(
        outcome or "", "Pending" if outcome == "submitted" else None
    )
    amount = _store_order(rt, tenant, body, created, state, utr, submitted, paid)
    return None if paid is None else (paid, amount)


def _documented_order(rt: "Runtime", tenant: Tenant, created: int) -> tuple[int, int]:
    body = {**DOCUMENTED_ORDER, "vendorCode": tenant.id}
    submitted = created + 4 * MINUTE
    paid = submitted + 6 * MINUTE
    return paid, _store_order(
        rt, tenant, body, created, "Succeeded", body["utr"], submitted, paid, DOCUMENTED_ORDER_ID
    )


def _store_order(
    rt: "Runtime",
    tenant: Tenant,
    body: dict[str, Any],
    created: int,
    state: str | None,
    utr: str | None,
    submitted: int,
    paid: int | None,
    order_id: str | None = None,
) -> int:
    """Stores an order as it stands after its history, and its payment; returns its amount."""
    order_id = order_id or rt.ids.new(models.ORDER_PREFIX, 10, DIGITS)
    data = models.new_order(tenant, body, created)
    # History predates the sandbox: its notifications go to the vendor's endpoint, if one is
    # set, never to a made-up shop's callbackUrl.
    data.pop("callback_url")
    if utr is not None:
        data.update({"utr": utr, "submitted_at": submitted})
    if paid is not None:
        data["paid_at"] = paid
    rt.engine.create(
        NAME,
        tenant.id,
        ORDER,
        order_id,
        data,
        ref=body["merchantOrderId"],
        created_at=created,
        state=state,
    )
    if utr is not None:
        rt.store.insert(
            Record(
                NAME,
                tenant.id,
                PAYMENT,
                utr,
                "submitted",
                {"number": rt.ids.number(f"{NAME}:payment"), "amount": data["amount"]},
                submitted,
                parent=order_id,
            )
        )
    return data["amount"]


def _payouts(rt: "Runtime", tenant: Tenant, settled: dict[int, int], start: int) -> None:
    """A payout of each settled day (the next morning); the oldest failed at the bank and
    was paid again with the next one; today's is in flight."""
    days = sorted(settled)
    for index, day in enumerate(days):
        created = (day + 1) * DAY + 5 * 60 * MINUTE  # 05:00 UTC the next day
        if created >= start:
            created = start - 2 * MINUTE  # not settled yet at the start instant: in flight
            _payout(rt, tenant, settled[day], created, None)
            continue
        state = "failed" if index == 0 and len(days) > 2 else "completed"
        _payout(rt, tenant, settled[day], created, state)


def _payout(rt: "Runtime", tenant: Tenant, paise: int, created: int, state: str | None) -> None:
    body = {"amount": as_string(paise)}
    draft = models.draft_payout(rt, tenant, body, created)
    data = dict(draft.data)
    if state == "completed":
        data["utr"] = rt.ids.token(f"payout-utr:{draft.id}", 12, DIGITS)
    elif state == "failed":
        data["failure_reason"] = "The beneficiary bank rejected the transfer."
    rt.engine.create(
        NAME, tenant.id, PAYOUT, draft.id, data, ref=draft.ref, created_at=created, state=state
    )


def _amount(fake: "Faker") -> str:
    # Shops price in whole rupees mostly; some carts carry paise.
    rupees = fake.random_int(99, 24_999)
    return f"{rupees}.{fake.random_element(('00', '00', '00', '50', '99'))}"
