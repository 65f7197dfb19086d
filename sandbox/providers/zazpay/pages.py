"""ZazPay's hosted pages: the offsite gateway's payment page (the buyer pays or cancels),
the PayPal subscription approval page and the receiver's account-connect page. Each link
carries a token derived from the resource, so it is a capability like a real gateway's."""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, redirect, render_template, request

from sandbox.lifecycle import IllegalTransition
from sandbox.pages import runtime
from sandbox.providers.zazpay import catalogue, errorbits, models
from sandbox.providers.zazpay.models import NAME, PAYMENT, RECEIVER, SUBSCRIPTION
from sandbox.store import Record

# The approval page's buttons: PayPal pays each period, or the buyer funds the subscription
# with the declining test card (DESIGN.md's 4000000000000002), so every charge fails.
APPROVE = "approve"
APPROVE_DECLINING = "approve_declining_card"
RECEIVER_CANCELED = 10  # receivers table: "Canceled by User."
RECEIVER_GATEWAY_ERROR = 9  # receivers table: "Gateway Error."
GATEWAY_ERROR = "gateway_error"  # the connect page's way to have the gateway refuse


def _record(kind: str, tenant: str, resource_id: str, token: str) -> Record:
    rt = runtime()
    if tenant not in {t.id for t in rt.tenants[NAME]}:
        abort(404)
    expected = models.page_token(rt.ids, kind, tenant, resource_id)
    if not hmac.compare_digest(expected.encode(), token.encode("utf-8", "replace")):
        abort(404)
    record = rt.store.get(NAME, tenant, kind, resource_id)
    if record is None:
        abort(404)
    return record


def _apply(
    record: Record,
    transition: str,
    changes: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> str | None:
    try:
        runtime().engine.apply(
            NAME, record.tenant, record.kind, record.id, transition, changes=changes, params=params
        )
    except IllegalTransition as refused:
        return str(refused)
    return None


def _back(url: str | None, fields: dict[str, str]) -> Response | None:
    if not url:
        return None
    joiner = "&" if "?" in url else "?"
    return redirect(f"{url}{joiner}{urlencode(fields)}")


def blueprint() -> Blueprint:
    """The pages, mounted at /zazpay/hosted/."""
    pages = Blueprint(NAME, __name__, template_folder="templates")

    @pages.route("/payments/<tenant>/<payment_id>/<token>", methods=["GET", "POST"])
    def payment(tenant: str, payment_id: str, token: str) -> Any:
        record = _record(PAYMENT, tenant, payment_id, token)
        problem = None
        if request.method == "POST":
            action = request.form.get("action")
            if action == "pay":
                transition = (
                    "buyer_authorize" if record.data["requested"] == "Auth" else "buyer_capture"
                )
                problem = _apply(record, transition)
                if problem is None:
                    back = _back(
                        record.data.get("success_url"),
                        {
                            "id": record.id,
                            "status": "Captured" if transition == "buyer_capture" else "Authorized",
                        },
                    )
                    if back is not None:
                        return back
            elif action == "cancel":
                problem = _apply(record, "buyer_cancel")
                if problem is None:
                    code = errorbits.code_of([25])
                    back = _back(
                        record.data.get("cancel_url"),
                        {"id": record.id, "status": "Canceled", "error_code": str(code)},
                    )
                    if back is not None:
                        return back
            else:
                problem = "Unknown action."
            record = runtime().store.get(NAME, tenant, PAYMENT, payment_id) or record
        gateway = catalogue.gateways()[int(record.data["gateway_id"])]
        return render_template(
            "zazpay/page.html",
            gateway=gateway.name,
            heading=f"Pay {record.data['item_name']}",
            amount=f"{record.data['amount']} {record.data['currency_code']}",
            subject="Payment",
            resource_id=record.id,
            status=models.status_of(record),
            problem=problem,
            open=record.state == "initiated",
            yes="pay",
            yes_label="Pay",
            no="cancel",
        )

    @pages.route("/subscriptions/<tenant>/<subscription_id>/<token>", methods=["GET", "POST"])
    def subscription(tenant: str, subscription_id: str, token: str) -> Any:
        record = _record(SUBSCRIPTION, tenant, subscription_id, token)
        problem = None
        if request.method == "POST":
            action = request.form.get("action")
            if action in (APPROVE, APPROVE_DECLINING, "cancel"):
                if action == "cancel":
                    problem = _apply(record, "cancel")
                else:
                    # The buyer's funding: PayPal pays; the declining test card fails every
                    # charge (each an Error payment with bit 48, reattempted, then canceled).
                    declines = {"payments_decline": action == APPROVE_DECLINING}
                    problem = _apply(record, "activate", declines)
                if problem is None:
                    approved = action != "cancel"
                    fields = {
                        "subscription_id": record.id,
                        "subcription_status": "Active" if approved else "Canceled",
                    }
                    url = record.data.get("success_url" if approved else "cancel_url")
                    back = _back(url, fields)
                    if back is not None:
                        return back
            else:
                problem = "Unknown action."
            record = runtime().store.get(NAME, tenant, SUBSCRIPTION, subscription_id) or record
        terms = record.data["terms"]
        return render_template(
            "zazpay/page.html",
            gateway="PayPal",
            heading=f"Subscribe: {record.data['item_name']}",
            amount=f"{terms['a3']} {record.data['currency_code']} every {terms['p3']}{terms['t3']}",
            subject="Subscription",
            resource_id=record.id,
            status=models.SUBSCRIPTION_STATUS[record.state],
            problem=problem,
            open=record.state == "initiated",
            yes=APPROVE,
            yes_label="Agree and subscribe",
            also=[
                (
                    APPROVE_DECLINING,
                    f"Agree, paying with card {models.DECLINED_CARD} (its payments are declined)",
                )
            ],
            no="cancel",
        )

    @pages.route(
        "/receivers/<tenant>/<receiver_id>/<int:gateway_id>/<token>", methods=["GET", "POST"]
    )
    def receiver(tenant: str, receiver_id: str, gateway_id: int, token: str) -> Any:
        record = _record(RECEIVER, tenant, receiver_id, token)
        gateway = catalogue.gateways().get(gateway_id)
        if gateway is None:
            abort(404)
        problem = None
        if request.method == "POST":
            action = request.form.get("action")
            outcomes = {
                "connect": ("connect", None),
                "cancel": ("cancel_connect", RECEIVER_CANCELED),
                GATEWAY_ERROR: ("connect_fail", RECEIVER_GATEWAY_ERROR),
            }
            if action in outcomes:
                transition, position = outcomes[action]
                back_fields = {"receiver_id": record.id, "gateway_id": str(gateway_id)}
                problem = _apply(record, transition, params={"gateway_id": gateway_id})
                if position is not None:
                    back_fields["error_code"] = str(errorbits.code_of([position]))
                if problem is None:
                    back = _back(record.data.get("return_url"), back_fields)
                    if back is not None:
                        return back
            else:
                problem = "Unknown action."
            record = runtime().store.get(NAME, tenant, RECEIVER, receiver_id) or record
        return render_template(
            "zazpay/page.html",
            gateway=gateway.name,
            heading=f"Connect your {gateway.name} account",
            amount="",
            subject="Receiver",
            resource_id=record.id,
            status="connected" if gateway_id in record.data["gateways"] else record.state,
            problem=problem,
            open=record.state != "deleted" and gateway_id not in record.data["gateways"],
            yes="connect",
            yes_label="Connect account",
            also=[(GATEWAY_ERROR, "Connect fails at the gateway (Gateway Error)")],
            no="cancel",
        )

    return pages
