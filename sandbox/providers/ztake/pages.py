"""ZTake's hosted checkout page (the order's `paymentUrl`): the vendor's UPI id, the
amount and a QR code of a real `upi://pay` intent, and a form to submit the UTR. Once the
vendor confirms the payment the page sends the customer to the order's `returnUrl`."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from sandbox.clock import iso_z
from sandbox.errors import ApiError
from sandbox.money import as_string
from sandbox.pages import runtime
from sandbox.providers.ztake import models
from sandbox.providers.ztake.models import NAME
from sandbox.qr import qr_data_uri
from sandbox.store import Record

_UTR = re.compile(r"[0-9]{12}")


def return_url(order: Record) -> str:
    """The order's returnUrl with what the shop needs to know added to its query."""
    parts = urlsplit(order.data["return_url"])
    query = parse_qsl(parts.query, keep_blank_values=True) + [
        ("orderId", order.id),
        ("merchantOrderId", order.data["merchant_order_id"]),
        ("status", order.state),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def blueprint() -> Blueprint:
    """The pages, mounted at /ztake/hosted/."""
    pages = Blueprint(NAME, __name__, template_folder="templates")

    @pages.route("/orders/<order_id>", methods=["GET", "POST"])
    def checkout(order_id: str) -> str | Response:
        rt = runtime()
        try:
            order = models.find_order(rt, order_id)
        except ApiError:
            abort(404)
        problem, utr = None, None
        if request.method == "POST":
            utr = request.form.get("utr", "").strip()
            if not _UTR.fullmatch(utr):
                problem = "The UTR is the 12-digit bank reference of your payment."
            else:
                try:
                    models.submit_utr(rt, order, utr)
                except ApiError as err:
                    problem = err.message
                else:
                    return redirect(url_for(".checkout", order_id=order.id), code=303)
            order = models.find_order(rt, order.id)
        if order.state == "Succeeded":
            return redirect(return_url(order), code=303)
        tenant = rt.tenant(NAME, order.tenant)
        intent = models.upi_intent(tenant, order)
        return render_template(
            "ztake/checkout.html",
            order=order,
            order_alias=models.order_alias(order.id),
            business_name=tenant.profile["business_name"],
            upi_id=tenant.profile["upi_id"],
            amount=as_string(order.data["amount"]),
            intent=intent,
            qr=qr_data_uri(intent),
            problem=problem,
            utr=utr,
            return_url=return_url(order),
            expires_at=iso_z(order.data["expires_at"]),
        ), 200 if problem is None else 400

    return pages
