"""ZazPay IPN: every payment and subscription change, and a receiver's account creation,
posted form-encoded to its `notify_url`, signed inside the body as the seed's subscription
payment example and ZazPay's public client show: `signature` = md5(secret +
"k1=v1&k2=v2..." over the other fields in the order sent), the merchant's form-signature
secret."""

from __future__ import annotations

from typing import Any, Callable, Mapping
from urllib.parse import urlencode

from sandbox.bodies import FORM
from sandbox.context import current
from sandbox.providers.base import WebhookMessage, Webhooks
from sandbox.providers.zazpay import errorbits, models, signature
from sandbox.store import Event, Record

PAYMENT_EVENTS = {
    "PaymentAuthorized",
    "PaymentCaptured",
    "PaymentDeclined",
    "PaymentCanceled",
    "PaymentVoided",
    "PaymentRefunded",
    "PaymentPending",
}
SUBSCRIPTION_EVENTS = {"SubscriptionActive", "SubscriptionCanceled"}
# A receiver's account creation (seed: the receiver's `notify_url` gets "information about
# the account creation"): its status, and the receivers table's bit when it failed.
RECEIVER_EVENTS = {
    "ReceiverConnected": ("Connected", None),
    "ReceiverConnectCanceled": ("Canceled", 10),
    "ReceiverConnectFailed": ("Failed", 9),
}


def _secret(record: Record) -> str:
    return current().tenant(models.NAME, record.tenant).credentials["signature_secret"]


def payment_fields(record: Record) -> dict[str, str]:
    """A payment IPN's fields (without the signature), in the order they are sent."""
    data = record.data
    buyer = data.get("buyer", {})
    error = models.status_error(record)
    fields = {"id": record.id}
    if data.get("subscription_id"):
        # The seed's subscription payment example names its subscription and buyer next.
        fields["subscription_id"] = data["subscription_id"]
        if data.get("user_handle"):
            fields["user_handle"] = data["user_handle"]
    fields |= {
        "action": data["action"],
        "merchant_id": record.tenant,
        "website_id": data["website_id"],
        "gateway_id": str(data["gateway_id"]),
        "amount": data["amount"],
        "original_amount": data.get("original_amount", data["amount"]),
        "currency_code": data["currency_code"],
        "status": models.status_of(record),
        "error_code": str(error["code"]),
        "error_message": " ".join(error["message"]),
        "paykey": data.get("paykey") or "",
        "payment_date": models.ist(data.get("modified_at", record.created_at)),
    }
    for key in ("email", "address", "city", "state", "country", "phone", "zip_code"):
        if key in buyer:
            fields[f"buyer_{key}"] = buyer[key]
    fields.update(data.get("x_vars") or {})
    return fields


def subscription_fields(record: Record) -> dict[str, str]:
    """A subscription status IPN's fields (without the signature)."""
    return {
        "subscription_id": record.id,
        "subcription_status": models.SUBSCRIPTION_STATUS[record.state],
        "user_handle": record.data["user_handle"],
        "merchant_id": record.tenant,
        "website_id": record.data["website_id"],
    }


def receiver_fields(event: Event, record: Record) -> dict[str, str]:
    """A receiver account IPN's fields (without the signature): the document shows none,
    so the sandbox sends the receiver, the gateway account concerned and the outcome in
    the payment IPN's terms (`status`, `error_code`, `error_message`)."""
    status, position = RECEIVER_EVENTS[event.name]
    data = record.data
    if position is None:
        code, message = errorbits.SUCCESS, ""
    else:
        code, message = errorbits.code_of([position]), errorbits.tables()["receivers"][position]
    return {
        "receiver_id": record.id,
        "name": data["name"],
        "email": data["email"],
        "merchant_id": record.tenant,
        "website_id": data["website_id"],
        "gateway_id": str(data.get("last_gateway", "")),
        "status": status,
        "error_code": str(code),
        "error_message": message,
    }


def messages(event: Event, record: Record, new_id: Callable[[], str]) -> list[WebhookMessage]:
    """The IPN a lifecycle event becomes (none for steps ZazPay does not notify)."""
    if event.name in PAYMENT_EVENTS and record.kind == models.PAYMENT:
        fields = payment_fields(record)
    elif event.name in SUBSCRIPTION_EVENTS and record.kind == models.SUBSCRIPTION:
        fields = subscription_fields(record)
    elif event.name in RECEIVER_EVENTS and record.kind == models.RECEIVER:
        fields = receiver_fields(event, record)
    else:
        return []
    signed = dict(signature.signed_ipn(_secret(record), fields))
    return [WebhookMessage(event.name, new_id(), signed)]


def encode(body: Mapping[str, Any]) -> bytes:
    """Form fields in the order signed."""
    return urlencode([(k, signature.php_string(v)) for k, v in body.items()]).encode("ascii")


def verify(body: bytes, _headers: Mapping[str, str], secret: str) -> bool:
    """What ZazPay's public client does with a received IPN."""
    return signature.verify_ipn(secret, body)


def url(record: Record) -> str | None:
    """Each payment, subscription and receiver notifies its own `notify_url` (a receiver's
    is on the merchant's website, like the others: the merchant's secret signs it)."""
    return record.data.get("notify_url") or None


WEBHOOKS = Webhooks(
    messages=messages,
    sign=lambda _body, _secret: {},  # the signature is a form field, set by `messages`
    verify=verify,
    secret=lambda tenant: tenant.credentials["signature_secret"],
    url=url,
    encode=encode,
    content_type=FORM,
)
