"""Webhook delivery: an outbox in the store, written in the transaction of the change that
caused it, and a worker that delivers it over HTTP with retries on the sandbox clock.

- At least once, in order per resource: a delivery waits while an earlier one for the same
  resource is pending, and each message carries an event id receivers can de-duplicate on.
- A failed attempt (non-2xx, timeout, refused connection) is retried after 30 s, 1 m, 2 m,
  … (doubling, at most an hour) of sandbox time, up to MAX_ATTEMPTS attempts in all; then
  the delivery is `failed` (it can still be redelivered by hand).
- Pending deliveries survive a restart (the outbox is in the store); a sender's claim is a
  lease on real time, so a crashed worker's deliveries are picked up again, and a sandbox
  starting up releases at once the leases of senders (processes) that are gone.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Mapping

import httpx

from sandbox import bodies
from sandbox.clock import wall_ms
from sandbox.faults import Trigger
from sandbox.guard import WEBHOOK_AGENT, targets_sandbox
from sandbox.matching import matches
from sandbox.store import Delivery, DeliveryAttempt, Event, Record

if TYPE_CHECKING:
    from sandbox.providers.base import Provider, Webhooks
    from sandbox.runtime import Runtime

MAX_ATTEMPTS = 8
FIRST_RETRY_MS = 30_000
MAX_BACKOFF_MS = 3_600_000
ATTEMPT_TIMEOUT_S = 5.0
LEASE_MS = 30_000
PARALLEL = 8
USER_AGENT = f"{WEBHOOK_AGENT}0.1"


def backoff_ms(attempt: int) -> int:
    """Sandbox time to wait after the `attempt`-th failed attempt."""
    return min(FIRST_RETRY_MS * 2 ** (attempt - 1), MAX_BACKOFF_MS)


@dataclass(frozen=True)
class WebhookFault:
    """A scenario rule for deliveries: what to do to matching notifications."""

    trigger: Trigger
    provider: str | None = None
    tenant: str | None = None
    event: str | None = None
    body: Mapping[str, Any] | None = None
    duplicate: int = 0  # extra copies, same event id
    delay_ms: int = 0  # first attempt later
    reorder_ms: int = 0  # let later events of the resource overtake it by this much
    replay_ms: int | None = None  # one more copy, this long after
    tamper: bool = False  # change the body after signing
    drop_signature: bool = False

    def matches_message(
        self, provider: str, tenant: str, event: str, body: Mapping[str, Any]
    ) -> bool:
        """Whether the rule applies to a notification."""
        return (
            self.provider in (None, provider)
            and self.tenant in (None, tenant)
            and self.event in (None, event)
            and matches(self.body, body)
        )


def endpoint(rt: "Runtime", provider: "Provider", tenant_id: str) -> tuple[str | None, str]:
    """Where a tenant's webhooks go and the secret they are signed with."""
    assert provider.webhooks is not None
    default_secret = provider.webhooks.secret(rt.tenant(provider.name, tenant_id))
    configured = rt.store.endpoint(provider.name, tenant_id)
    if configured is None:
        return None, default_secret
    url, secret = configured
    return url, secret or default_secret


class Outbox:
    """Turns lifecycle events into stored deliveries (subscribed to the engine)."""

    def __init__(self, rt: "Runtime") -> None:
        self.rt = rt

    def __call__(self, event: Event, record: Record) -> None:
        provider = self.rt.providers[event.provider]
        hooks = provider.webhooks
        if hooks is None:
            return
        url, secret = endpoint(self.rt, provider, event.tenant)
        url = hooks.url(record) or url
        if not url:
            return  # nowhere to send: like a merchant who never configured webhooks
        ids = self.rt.ids.scoped(event.provider, event.tenant)
        messages = hooks.messages(event, record, lambda: ids.new("evt_", 24))
        for message in messages:
            body = hooks.encode(message.body)
            headers = {
                "content-type": hooks.content_type,
                "user-agent": USER_AGENT,
                **hooks.sign(body, secret),
            }
            base = Delivery(
                id="",
                event_id=message.event_id,
                provider=provider.name,
                tenant=event.tenant,
                resource_id=event.resource_id,
                event=message.event,
                url=url,
                body=body.decode(),
                headers=headers,
                created_at=event.at,
                next_attempt_at=event.at,
            )
            for delivery in self._faulted(base, message.body, hooks):
                self.rt.store.enqueue_delivery(replace(delivery, id=self.rt.ids.new("whd_")))

    def _faulted(
        self, delivery: Delivery, body: Mapping[str, Any], hooks: "Webhooks"
    ) -> list[Delivery]:
        for rule in self.rt.webhook_faults:
            if not rule.matches_message(delivery.provider, delivery.tenant, delivery.event, body):
                continue
            if not rule.trigger.fires(self.rt):
                continue
            if rule.tamper:
                delivery = replace(delivery, body=_tampered_body(delivery.body, hooks))
            if rule.drop_signature:
                delivery = replace(
                    delivery,
                    headers={
                        k: v
                        for k, v in delivery.headers.items()
                        if k not in hooks.signature_headers
                    },
                )
            delivery = replace(delivery, next_attempt_at=delivery.next_attempt_at + rule.delay_ms)
            if rule.reorder_ms:
                delivery = replace(
                    delivery,
                    ordered=False,
                    next_attempt_at=delivery.next_attempt_at + rule.reorder_ms,
                )
            copies = [delivery] * (1 + rule.duplicate)
            if rule.replay_ms is not None:
                copies.append(
                    replace(
                        delivery,
                        ordered=False,
                        next_attempt_at=delivery.next_attempt_at + rule.replay_ms,
                    )
                )
            return copies
        return [delivery]


def _tampered_body(sent: str, hooks: "Webhooks") -> str:
    """The body as sent, read back with the shared decoder by its content type, changed and
    encoded again the provider's way (so a form-encoded webhook stays form-encoded)."""
    decoded = bodies.decode_or_none(sent.encode(), hooks.content_type)
    if not isinstance(decoded, Mapping):
        return sent + " "  # not a mapping to change: any change breaks the signature
    return hooks.encode(_tampered(decoded)).decode()


def _tampered(body: Mapping[str, Any]) -> dict[str, Any]:
    """The body as an attacker would change it after signing: a hundred times the amount."""
    changed = dict(body)
    amount = changed.get("amount")
    if isinstance(amount, (int, float)) and not isinstance(amount, bool):
        changed["amount"] = amount * 100
    elif isinstance(amount, str):
        changed["amount"] = amount + "00"
    else:
        changed["tampered"] = True
    return changed


async def deliver_due(rt: "Runtime", client: httpx.AsyncClient) -> list[Delivery]:
    """Attempts the deliveries that are due, at most `deliver_batch` of them (deliveries
    that cause deliveries must not keep one call busy for ever); returns them as they stand
    afterwards. Finished deliveries beyond `webhook_history` are forgotten."""
    done: list[Delivery] = []
    budget = rt.config.deliver_batch
    while True:
        if len(done) >= budget:
            break
        due = [
            d
            for d in rt.store.due_deliveries(
                rt.clock.now_ms(), wall_ms(), limit=min(50, budget - len(done))
            )
            if rt.store.claim_delivery(d, wall_ms(), LEASE_MS, rt.lease_owner)
        ]
        if not due:
            break
        limit = asyncio.Semaphore(PARALLEL)

        async def attempt(delivery: Delivery) -> None:
            async with limit:
                await _attempt(rt, client, delivery)

        await asyncio.gather(*(attempt(d) for d in due))
        done += [rt.store.delivery(d.id) or d for d in due]
    rt.store.trim_deliveries(rt.config.webhook_history)
    return done


class _Refused(Exception):
    """A delivery the sandbox will not send."""


async def _attempt(rt: "Runtime", client: httpx.AsyncClient, delivery: Delivery) -> None:
    number = delivery.attempts + 1
    started = time.perf_counter()
    status_code, error = None, None
    try:
        if targets_sandbox(rt.config, delivery.url):
            # A per-payment callback URL can aim anywhere; the sandbox's own control API
            # would turn each delivery into more work for ever.
            raise _Refused("refused: the URL points at this sandbox outside its test inbox")
        response = await client.post(
            delivery.url,
            content=delivery.body.encode(),
            headers=delivery.headers,
            timeout=ATTEMPT_TIMEOUT_S,
        )
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except _Refused as exc:
        error = str(exc)
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    now = rt.clock.now_ms()
    if error is None:
        status, next_at = "delivered", None
    elif number >= MAX_ATTEMPTS:
        status, next_at = "failed", None
    else:
        status, next_at = "pending", now + backoff_ms(number)
    rt.store.finish_attempt(
        delivery,
        DeliveryAttempt(
            delivery.id,
            number,
            now,
            status_code,
            error,
            round((time.perf_counter() - started) * 1000, 3),
        ),
        status=status,
        next_attempt_at=next_at,
    )


def verify_signature(provider: str, body: bytes, headers: Mapping[str, str], secret: str) -> bool:
    """True when `headers` carry `provider`'s valid signature of `body` with `secret` — the
    same code the sandbox signs with. For Zwitch: the `x-zwitch-signature` header, the hex
    HMAC-SHA256 of the raw body keyed with the account's webhook secret.

        from sandbox.webhooks import verify_signature
        ok = verify_signature("zwitch", request.body, request.headers, "whsec_test_zwitch")
    """
    from sandbox.providers import load_providers

    hooks = load_providers([provider])[provider].webhooks
    if hooks is None:
        raise ValueError(f"{provider} sends no webhooks")
    lowered = {k.lower(): v for k, v in headers.items()}
    return hooks.verify(body, lowered, secret)
