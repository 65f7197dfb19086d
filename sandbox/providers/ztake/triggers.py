"""`paysandbox trigger ztake EVENT`: one recipe per webhook event (the event names are the
sandbox's, see webhooks.py). Orders go the way a customer and a vendor take them: created
with the vendor's secret key, a UTR submitted on the public endpoint, confirmed with
`payments/update`; their callbackUrl is where the vendor's webhooks go (its endpoint, or
the sandbox's test inbox). Payouts have no create endpoint, so they are made as scenario
fixtures (a reference that the bank accepts) and moved with simulate."""

from __future__ import annotations

from sandbox.providers.base import Call, Trigger

_AMOUNT = 499
_ORDER = Call(
    "POST",
    "/api/v1/orders",
    {
        "merchantOrderId": "trigger_{unique}",
        "amount": _AMOUNT,
        "currency": "INR",
        "customerName": "Trigger Customer",
        "returnUrl": "https://shop.example/paysandbox-trigger",
        "callbackUrl": "{webhook_url}",
        "vendorCode": "{tenant}",
    },
)
# The customer pays and submits the bank's UTR (twelve fresh digits per run)...
_SUBMIT_UTR = Call("POST", "/api/v1/orders/{id}/submit-utr", {"utr": "{digits}"})
# ...and the vendor confirms it.
_CONFIRM = Call(
    "POST",
    "/api/payments/update",
    {"utr": "{digits}", "amount": _AMOUNT, "vendor_code": "{tenant}"},
)
_PAYOUT = {"amount": 1250, "reference_id": "trigger_{unique}"}


def _order(*steps: str | Call) -> Trigger:
    return Trigger(kind="order", create=_ORDER, id_field="ztakeOrderId", steps=steps)


def _payout(*steps: str) -> Trigger:
    return Trigger(kind="payout", fixture=_PAYOUT, steps=steps)


TRIGGERS = {
    "order.pending": _order(_SUBMIT_UTR),
    "order.succeeded": _order(_SUBMIT_UTR, _CONFIRM),
    "order.expired": _order("expire"),
    "payout.processing": _payout("process"),
    "payout.completed": _payout("process", "complete"),
    "payout.failed": _payout("process", "fail"),
}
