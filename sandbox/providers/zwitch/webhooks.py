r"""Zwitch webhooks (facts from seeds/README.md): `x-zwitch-signature` is the hex
HMAC-SHA256 of the compact JSON body keyed with the account's signing secret.

Zwitch documents two ways to verify: an HMAC over the raw body, and (PHP) an HMAC over
`json_encode(json_decode($body))`. Bodies are therefore sent already in PHP's default
`json_encode` form (compact, `/` as `\/`, non-ASCII as `\uXXXX`), so that both recipes
recompute the same bytes.

Payment events carry the payment object (as `GET /v1/payments/{id}` shows it); token events
carry the payment token object with a nested `payment`. Both add `event` and, a sandbox
choice for de-duplication, `event_id`. An expired UPI collect request is reported as
`payment_failed` (with status `expired`): Zwitch documents no expiry event."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any, Callable, Mapping

from sandbox.providers.base import Tenant, WebhookMessage, Webhooks
from sandbox.providers.zwitch import models
from sandbox.store import Event, Record

SIGNATURE_HEADER = "x-zwitch-signature"

# Lifecycle events (lifecycle.yaml) → Zwitch's documented webhook events.
EVENTS = {
    "PaymentPending": "payment_pending",
    "PaymentCompleted": "payment_captured",
    "PaymentFailed": "payment_failed",
    "PaymentExpired": "payment_failed",
    "PaymentCancelled": "payment_cancelled",
    "PaymentTokenCreated": "payment_token_created",
    "PaymentTokenAttempted": "payment_token_attempted",
    "PaymentTokenPaid": "payment_token_paid",
}


def messages(event: Event, record: Record, new_id: Callable[[], str]) -> list[WebhookMessage]:
    """The webhook a lifecycle event becomes (none for undocumented ones)."""
    name = EVENTS.get(event.name)
    if name is None:
        return []
    event_id = new_id()
    if record.kind == models.COLLECT:
        body: dict[str, Any] = {**models.collect_details(record), "event": name}
    else:
        body = {**models.token_view(record), "event": name}
        payment = models.token_payment(record)
        if payment is not None:
            body["payment"] = payment
    body["event_id"] = event_id
    return [WebhookMessage(name, event_id, body)]


# `\u007f` preceded by an even number of backslashes is an escape of DEL (an odd number
# means the backslash itself was escaped and the text is literal).
_ESCAPED_DEL = re.compile(r"(?<!\\)((?:\\\\)*)\\u007f")


def encode(body: Mapping[str, Any]) -> bytes:
    r"""The body as PHP's `json_encode` (default flags) writes it: compact separators,
    non-ASCII as `\uXXXX` (surrogate pairs beyond the BMP), `/` as `\/`; DEL is the one
    character Python escapes and PHP does not."""
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=True)
    # A "/" can only occur inside a JSON string, and never within an escape sequence.
    text = text.replace("/", "\\/")
    return _ESCAPED_DEL.sub(lambda m: m.group(1) + "\x7f", text).encode()


def sign(body: bytes, secret: str) -> dict[str, str]:
    """The signature header for a body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {SIGNATURE_HEADER: digest}


def verify(body: bytes, headers: Mapping[str, str], secret: str) -> bool:
    """True when the (lower-cased) headers carry the body's valid signature."""
    given = headers.get(SIGNATURE_HEADER, "")
    return hmac.compare_digest(sign(body, secret)[SIGNATURE_HEADER].encode(), given.encode())


def secret(tenant: Tenant) -> str:
    """The tenant's default signing secret."""
    return tenant.credentials["webhook_secret"]


WEBHOOKS = Webhooks(
    messages=messages,
    sign=sign,
    verify=verify,
    secret=secret,
    signature_headers=(SIGNATURE_HEADER,),
    encode=encode,
)
