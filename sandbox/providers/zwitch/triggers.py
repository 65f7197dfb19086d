"""`paysandbox trigger zwitch EVENT`: one recipe per documented webhook event. Collect
requests use a payer that no outcome trigger drives, so only the simulated transitions
move them (no timer races the trigger); references are unique per run."""

from __future__ import annotations

from sandbox.providers.base import Call, Trigger

_COLLECT_PATH = "/v1/accounts/{tenant}/payments/upi/collect"
_COLLECT = {
    "amount": 499.00,
    "remitter_vpa_handle": "customer@okaxis",
    "merchant_reference_id": "trigger_{unique}",
    "remark": "paysandbox trigger",
}
_TOKEN_PATH = "/v1/pg/sandbox/payment_token"
_TOKEN = {
    "amount": 499.00,
    "currency": "INR",
    "mtx": "TRIGGER_{unique}",
    "contact_number": "9876543210",
    "email_id": "customer@example.com",
}


def _collect(*steps: str) -> Trigger:
    return Trigger(kind="upi_collect", create=Call("POST", _COLLECT_PATH, _COLLECT), steps=steps)


def _token(*steps: str) -> Trigger:
    return Trigger(kind="payment_token", create=Call("POST", _TOKEN_PATH, _TOKEN), steps=steps)


TRIGGERS = {
    "payment_pending": _collect(),
    "payment_captured": _collect("process", "complete"),
    "payment_failed": _collect("fail"),
    "payment_cancelled": _collect("cancel"),
    "payment_token_created": _token(),
    "payment_token_attempted": _token("attempt"),
    "payment_token_paid": _token("pay"),
}
