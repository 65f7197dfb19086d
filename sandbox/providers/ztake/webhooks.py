"""ZTake webhooks (a sandbox choice; seed 000 promises "webhook status delivery" without a
body): order events go to the order's `callbackUrl`, payout events to the vendor's
configured endpoint. Bodies are compact JSON; `X-ZTake-Signature` is the hex HMAC-SHA256
of the raw body keyed with the vendor's secret key (pk_...)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Callable, Mapping

from sandbox.clock import iso_z
from sandbox.providers.base import Tenant, WebhookMessage, Webhooks
from sandbox.providers.ztake import models
from sandbox.store import Event, Record

SIGNATURE_HEADER = "x-ztake-signature"

# Lifecycle events (lifecycle.yaml) → webhook event names.
EVENTS = {
    "OrderPending": "order.pending",
    "OrderSucceeded": "order.succeeded",
    "OrderExpired": "order.expired",
    "PayoutProcessing": "payout.processing",
    "PayoutCompleted": "payout.completed",
    "PayoutFailed": "payout.failed",
}


def messages(event: Event, record: Record, new_id: Callable[[], str]) -> list[WebhookMessage]:
    """The webhook a lifecycle event becomes."""
    name = EVENTS.get(event.name)
    if name is None:
        return []
    event_id = new_id()
    body: dict[str, Any] = {
        "event": name,
        "event_id": event_id,
        "created_at": iso_z(event.at),
        "vendor_code": record.tenant,
    }
    if record.kind == models.ORDER:
        body["order"] = models.order_view(record)
    else:
        body["payout"] = models.payout_view(record)
    return [WebhookMessage(name, event_id, body)]


def sign(body: bytes, secret: str) -> dict[str, str]:
    """The signature header for a body."""
    return {SIGNATURE_HEADER: hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def verify(body: bytes, headers: Mapping[str, str], secret: str) -> bool:
    """True when the (lower-cased) headers carry the body's valid signature."""
    given = headers.get(SIGNATURE_HEADER, "")
    return hmac.compare_digest(sign(body, secret)[SIGNATURE_HEADER].encode(), given.encode())


def secret(tenant: Tenant) -> str:
    """The vendor's signing secret: its secret key."""
    return tenant.credentials["secret_key"]


def url(record: Record) -> str | None:
    """An order notifies its own callbackUrl; payouts use the vendor's endpoint."""
    return record.data.get("callback_url") if record.kind == models.ORDER else None


WEBHOOKS = Webhooks(
    messages=messages,
    sign=sign,
    verify=verify,
    secret=secret,
    signature_headers=(SIGNATURE_HEADER,),
    url=url,
)
