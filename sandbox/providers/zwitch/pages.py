"""Zwitch's hosted pages: the payment link page of a UPI collect request, a Layer.js
checkout for payment tokens, and a `layer.js` stand-in that opens that checkout."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from sandbox.lifecycle import IllegalTransition
from sandbox.money import as_string
from sandbox.pages import runtime
from sandbox.providers.zwitch.models import COLLECT, NAME, TOKEN, collect_intent
from sandbox.qr import qr_data_uri
from sandbox.store import Record

# What each button on a page does: label → lifecycle transition.
COLLECT_ACTIONS = {"pay": "complete", "decline": "fail", "cancel": "cancel"}
TOKEN_ACTIONS = {"pay": "pay", "fail": "attempt"}


def _record(kind: str, resource_id: str) -> Record:
    # A hosted page link is a capability, like the real payment link: no API keys needed.
    record = runtime().store.find(NAME, resource_id)
    if record is None or record.kind != kind:
        abort(404)
    return record


def _act(record: Record, action: str | None, actions: dict[str, str]) -> str | None:
    if action not in actions:
        return "Unknown action."
    try:
        runtime().engine.apply(NAME, record.tenant, record.kind, record.id, actions[action])
    except IllegalTransition as exc:
        return str(exc)
    return None


def blueprint() -> Blueprint:
    """The pages, mounted at /zwitch/hosted/."""
    pages = Blueprint(NAME, __name__, template_folder="templates")

    @pages.route("/pay/<payment_id>", methods=["GET", "POST"])
    def pay(payment_id: str) -> str | Response:
        record = _record(COLLECT, payment_id)
        problem = None
        if request.method == "POST":
            problem = _act(record, request.form.get("action"), COLLECT_ACTIONS)
            if problem is None:
                return redirect(url_for(".pay", payment_id=payment_id))
        rt = runtime()
        tenant = rt.tenant(NAME, record.tenant)
        qr = qr_data_uri(collect_intent(record, tenant))  # the API's qr_code, the same image
        return render_template(
            "zwitch/pay.html",
            payment=record,
            problem=problem,
            amount=as_string(record.data["amount"]),
            qr=qr,
            merchant=tenant.profile["merchant_name"],
        )

    @pages.get("/account/<account_id>")
    def account(account_id: str) -> str:
        rt = runtime()
        owner = next((t for t in rt.tenants[NAME] if account_id in t.profile["accounts"]), None)
        if owner is None:
            abort(404)
        open_requests = rt.store.query(
            NAME,
            owner.id,
            COLLECT,
            where={"state": {"in": ("pending", "processing")}, "parent": account_id},
            limit=100,
        ).records
        return render_template(
            "zwitch/account.html",
            account_id=account_id,
            merchant=owner.profile["merchant_name"],
            payments=open_requests,
            amounts={r.id: as_string(r.data["amount"]) for r in open_requests},
        )

    @pages.route("/layer/<token_id>", methods=["GET", "POST"])
    def checkout(token_id: str) -> str | Response:
        record = _record(TOKEN, token_id)
        problem = None
        if request.method == "POST":
            problem = _act(record, request.form.get("action"), TOKEN_ACTIONS)
            record = _record(TOKEN, token_id)
        payment = record.data.get("payment")
        return render_template(
            "zwitch/checkout.html",
            token=record,
            problem=problem,
            amount=as_string(record.data["amount"]),
            payment=payment,
            posted=request.method == "POST" and problem is None,
        )

    @pages.get("/layer.js")
    def layer_js() -> Response:
        return Response(render_template("zwitch/layer.js"), mimetype="text/javascript")

    return pages
