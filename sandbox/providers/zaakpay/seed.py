"""Zaakpay's default tenants (DESIGN.md) and the seeded settlement history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.lifecycle import EffectContext
from sandbox.providers.base import Tenant
from sandbox.providers.zaakpay import effects, models
from sandbox.providers.zaakpay.models import NAME, TRANSACTION
from sandbox.store import Record

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

# Seed 003: "The API can be accesed twice in 1 hour"; configuration can change it per
# merchant (tenants: profile.rate_limit) and `provider_rate_limits: false` lifts it.
DOCUMENTED_LIMIT = {"limit": 2, "per": "1h"}

DEFAULT_TENANTS = (
    Tenant(
        id="b19e8f103bce406cbd3476431b6b7973",
        name="TechMart India",
        credentials={
            "merchantIdentifier": "b19e8f103bce406cbd3476431b6b7973",
            "secret_key": "zaakpay_test_secret",
        },
        profile={"rate_limit": DOCUMENTED_LIMIT},
    ),
    Tenant(
        id="a29e8f103bce406cbd3476431b6b7974",
        name="Kirana Express",
        credentials={
            "merchantIdentifier": "a29e8f103bce406cbd3476431b6b7974",
            "secret_key": "zaakpay_test_secret_2",
        },
        profile={"rate_limit": DOCUMENTED_LIMIT},
    ),
)

HOUR = 3_600_000
DAY = 24 * HOUR
HISTORY_DAYS = 21


def seed(rt: "Runtime", tenant: Tenant) -> None:
    """Three weeks of sales and refunds; those of the last day are still unsettled and
    settle on the clock."""
    fake = rt.faker(NAME, tenant.id)
    start = rt.clock.start_ms
    for days_ago in range(HISTORY_DAYS, -1, -1):
        for _ in range(fake.random_int(2, 6)):
            created = start - days_ago * DAY - fake.random_int(0, DAY - 1)
            action = "REFUND" if fake.random_int(1, 6) == 1 else "SALE"
            body = {
                "amount": f"{fake.random_int(50, 9_999)}.{fake.random_int(0, 99):02d}",
                "action": action,
            }
            draft = models.draft_transaction(rt, tenant, body, created)
            state = None
            data = draft.data
            if data["settles_at"] <= start:
                record = Record(NAME, tenant.id, TRANSACTION, draft.id, "unsettled", data, created)
                data = {
                    **data,
                    **effects.settled(record, EffectContext(at=data["settles_at"], ids=rt.ids)),
                }
                state = "settled"
            rt.engine.create(
                NAME, tenant.id, TRANSACTION, draft.id, data, created_at=created, state=state
            )
