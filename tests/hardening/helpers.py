"""A sandbox runtime without a server, and an outbox filled by hand: webhook tests where
no background worker delivers behind the test's back."""

from __future__ import annotations

import asyncio

from sandbox.config import SandboxConfig
from sandbox.runtime import Runtime
from sandbox.store import Delivery


def quiet_runtime(**options: object) -> Runtime:
    """A sandbox runtime with no server around it."""
    return Runtime(SandboxConfig(clock_start="2024-01-15T10:00:00Z", clock_frozen=True, **options))


def queue_deliveries(rt: Runtime, url: str, count: int) -> None:
    """Puts `count` due deliveries (of different payments) in the outbox."""
    for number in range(count):
        rt.store.enqueue_delivery(
            Delivery(
                id=f"whd_{number:03}",
                event_id=f"evt_{number}",
                provider="zwitch",
                tenant="acc_1234567890",
                resource_id=f"pay_{number}",
                event="payment_pending",
                url=url,
                body="{}",
                headers={"content-type": "application/json"},
                created_at=0,
                next_attempt_at=0,
            )
        )


def deliver_rounds(rt: Runtime, rounds: int) -> list[list[Delivery]]:
    """What each of `rounds` successive `deliver` calls attempted (one event loop)."""

    async def run() -> list[list[Delivery]]:
        try:
            return [await rt.deliver_webhooks() for _ in range(rounds)]
        finally:
            await rt.aclose()

    return asyncio.run(run())
