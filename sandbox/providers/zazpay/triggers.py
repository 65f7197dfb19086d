"""`paysandbox trigger zazpay EVENT`: one recipe per IPN event (the lifecycle event names
that webhooks.py posts as IPNs). Bodies are form-encoded, as ZazPay's PHP client sends
them, with the sandbox's test cards; no `notify_url`, so each IPN goes to the merchant's
webhook endpoint. Card payments use gateway 2504 (Balanced, a direct gateway), offsite
ones gateway 1 (PayPal), whose buyer-side steps (approving, cancelling on PayPal's page)
are simulated."""

from __future__ import annotations

from typing import Any

from sandbox.providers.base import Call, Trigger

_CARD_GATEWAY = "/api/v1/merchants/{tenant}/gateways/2504"
_PAYPAL = "1"
_LOCAL = "http://localhost/paysandbox-trigger"  # loopback URLs pass any website's domain check
_BUYER = {
    "buyer_email": "buyer@example.com",
    "buyer_address": "1 Trigger Street",
    "buyer_city": "Chennai",
    "buyer_country": "IN",
    "buyer_phone": "9999999999",
    "buyer_zip_code": "600001",
}
_PAYMENT: dict[str, Any] = {
    "website_id": "{credentials[website_id]}",
    "amount": "49.99",
    "currency_code": "USD",
    "item_name": "paysandbox trigger",
    "item_description": "trigger_{unique}",
    **_BUYER,
}
_CARD = {
    "credit_card_number": "4111111111111111",  # succeeds (README's test cards)
    "credit_card_expire": "12/2030",
    "credit_card_name_on_card": "Trigger Buyer",
    "credit_card_code": "123",
}
_DECLINED = {**_CARD, "credit_card_number": "4000000000000002"}
_PAYKEY = {"paykey": "{paykey}"}


def _card(action: str) -> Call:
    """A card payment that succeeds; its paykey is kept for what the merchant does next."""
    body = {**_PAYMENT, **_CARD}
    save = {"paykey": "paykey"}
    return Call("POST", f"{_CARD_GATEWAY}/payments/{action}", body, form=True, save=save)


def _then(action: str) -> Call:
    """A merchant's action on the payment made (void, refund), with its paykey."""
    return Call("POST", f"{_CARD_GATEWAY}/payments/{{id}}/{action}", _PAYKEY, form=True)


_DECLINE = Call(
    "POST", f"{_CARD_GATEWAY}/payments/capture", {**_PAYMENT, **_DECLINED}, form=True, ok=(402,)
)
_OFFSITE = Call(
    "POST",
    f"/api/v1/merchants/{{tenant}}/gateways/{_PAYPAL}/payments/capture",
    {**_PAYMENT, "success_url": f"{_LOCAL}/success", "cancel_url": f"{_LOCAL}/cancel"},
    form=True,
)
_SUBSCRIPTION = Call(
    "POST",
    "/api/v1/merchants/{tenant}/websites/{credentials[website_id]}/subscribe/create",
    {
        "user_handle": "trigger_{unique}",
        "item_name": "paysandbox trigger",
        "item_description": "A monthly plan",
        "currency_code": "USD",
        "a3": "19",
        "p3": "1",
        "t3": "M",
        "success_url": f"{_LOCAL}/success",
        "cancel_url": f"{_LOCAL}/cancel",
        **_BUYER,
    },
    form=True,
)
_CANCEL_SUBSCRIPTION = Call(
    "PUT",
    "/api/v1/merchants/{tenant}/websites/{credentials[website_id]}/gateways/"
    f"{_PAYPAL}/subscribe/{{id}}/cancel",
)
# A payment left to the gateway to settle later (code -8) is made as a scenario fixture:
# no request makes one.
_PENDING_FIXTURE = {**_PAYMENT, **_CARD, "gateway_id": "2504"}


def _payment(create: Call, *steps: str | Call) -> Trigger:
    return Trigger(kind="payment", create=create, steps=steps)


def _subscription(*steps: str | Call) -> Trigger:
    return Trigger(
        kind="subscription", create=_SUBSCRIPTION, id_field="subscription_id", steps=steps
    )


TRIGGERS = {
    "PaymentAuthorized": _payment(_card("auth")),
    "PaymentCaptured": _payment(_card("capture")),
    "PaymentDeclined": _payment(_DECLINE),
    "PaymentVoided": _payment(_card("auth"), _then("void")),
    "PaymentRefunded": _payment(_card("capture"), _then("refund")),
    "PaymentCanceled": _payment(_OFFSITE, "buyer_cancel"),
    "PaymentPending": Trigger(kind="payment", fixture=_PENDING_FIXTURE, steps=("hold",)),
    "SubscriptionActive": _subscription("activate"),
    "SubscriptionCanceled": _subscription("activate", _CANCEL_SUBSCRIPTION),
}
