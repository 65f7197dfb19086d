"""ZTake resources: stored data built from requests, the operations on orders and their
payments (shared by the API handlers, the checkout page and the seeder), and the wire
shapes of seed 000.

An order is the resource with a lifecycle. A payment is the UTR a customer submitted for
an order: a record whose id is the UTR (so a public check finds it whatever the vendor, and
a UTR can belong to one payment only) and whose status is its order's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from sandbox import qr
from sandbox.clock import iso_z
from sandbox.ids import DIGITS
from sandbox.lifecycle import IllegalTransition, fingerprint
from sandbox.money import as_string, rupees, to_paise
from sandbox.providers.base import Draft, Tenant
from sandbox.providers.ztake import errors
from sandbox.store import Record

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

NAME = "ztake"
ORDER = "order"
PAYMENT = "payment"
PAYOUT = "payout"
SESSION = "chat_session"
CHAT_CONFIG = "chat_config"
ORDER_LIFETIME_MS = 30 * 60_000  # sandbox choice, recorded in the spec
ORDER_PREFIX = "ZTK"  # seed 000: ztakeOrderId "ZTK9182398129"
ORDER_ALIAS = "ord_"  # seed 000: the same order as "ord_9182398129"

# Order status → the payment's (status, payment_status), seed 000 "payments/update".
PAYMENT_STATUS = {
    "Pending": ("pending", "Pending"),
    "Succeeded": ("completed", "Succeeded"),
    "Expired": ("expired", "Expired"),
}


def amount_json(paise: int) -> int | float:
    """An amount for a JSON number field: `500` as the document shows, `100.5` with paise."""
    return paise // 100 if paise % 100 == 0 else float(rupees(paise))


# -- orders ---------------------------------------------------------------------------


def order_record_id(order_id: str) -> str:
    """`ord_9182398129` or `ZTK9182398129` → the stored id `ZTK9182398129`."""
    if order_id.startswith(ORDER_ALIAS):
        return ORDER_PREFIX + order_id[len(ORDER_ALIAS) :]
    return order_id


def order_alias(record_id: str) -> str:
    """The `ord_…` form order objects show."""
    return ORDER_ALIAS + record_id[len(ORDER_PREFIX) :]


def draft_order(rt: "Runtime", tenant: Tenant, body: Mapping[str, Any], now: int) -> Draft:
    """A new checkout order from a create-order body."""
    return Draft(
        ORDER,
        rt.ids.new(ORDER_PREFIX, 10, DIGITS),
        new_order(tenant, body, now),
        ref=body["merchantOrderId"],
    )


def new_order(tenant: Tenant, body: Mapping[str, Any], now: int) -> dict[str, Any]:
    """Stored data of a new order (403 for another vendor's code)."""
    if body["vendorCode"] != tenant.id:
        raise errors.vendor_mismatch("vendorCode", body["vendorCode"], tenant.id, status=403)
    try:
        amount = to_paise(body["amount"])
    except ValueError as exc:
        raise errors.invalid("amount", str(exc)) from None
    data: dict[str, Any] = {
        "merchant_order_id": body["merchantOrderId"],
        "amount": amount,
        "currency": body["currency"],
        "customer_name": body["customerName"],
        "return_url": body["returnUrl"],
        "callback_url": body["callbackUrl"],
        "vendor_code": tenant.id,
    }
    data["_fingerprint"] = fingerprint(data)
    data["expires_at"] = now + ORDER_LIFETIME_MS
    return data


def payment_url(base_url: str, record_id: str) -> str:
    """The sandbox's checkout page of an order (seed 000: `https://pay.ztake.in/orders/…`)."""
    return f"{base_url}/{NAME}/hosted/orders/{record_id}"


def order_created(record: Record, base_url: str) -> dict[str, Any]:
    """The create response (seed 000 "Orders API" → Response)."""
    return {
        "status": "success",
        "merchantOrderId": record.data["merchant_order_id"],
        "ztakeOrderId": record.id,
        "paymentUrl": payment_url(base_url, record.id),
        "vendorCode": record.data["vendor_code"],
        "authMethod": "api_key_vendor_code",
        "expiresAt": iso_z(record.data["expires_at"]),
    }


def order_view(record: Record) -> dict[str, Any]:
    """An order object (seed 000 "GET /api/v1/orders/:orderId" → order)."""
    data = record.data
    view: dict[str, Any] = {
        "order_id": order_alias(record.id),
        "merchant_order_id": data["merchant_order_id"],
        "amount": amount_json(data["amount"]),
        "currency": data["currency"],
        "status": record.state,
        "customer_name": data["customer_name"],
    }
    if data.get("paid_at") is not None:
        view["payment_time"] = iso_z(data["paid_at"])
    if data.get("utr"):
        view["utr"] = data["utr"]
    view["created_at"] = iso_z(record.created_at)
    view["expires_at"] = iso_z(data["expires_at"])
    return view


def submitted_view(record: Record) -> dict[str, Any]:
    """The submit-utr response's order (seed 000 "submit-utr" → order)."""
    return {
        "id": order_alias(record.id),
        "amount": amount_json(record.data["amount"]),
        "status": record.state,
        "utr": record.data["utr"],
    }


def find_order(rt: "Runtime", order_id: str) -> Record:
    """Any vendor's order by either id form (public endpoints and the checkout page: the
    order id is the capability, like the real payment link)."""
    record = rt.store.find(NAME, order_record_id(order_id), ORDER)
    if record is None:
        raise errors.order_not_found(order_id)
    return record


def submit_utr(rt: "Runtime", order: Record, utr: str) -> Record:
    """Records a customer's UTR for an order (→ Pending) and its payment, in one
    transaction; the same UTR again for the same order answers the same."""
    with rt.store.transaction():
        order = rt.store.get(NAME, order.tenant, ORDER, order.id) or order
        taken = rt.store.find(NAME, utr, PAYMENT)
        if taken is not None:
            if taken.parent == order.id and order.state == "Pending":
                return order
            raise errors.utr_used(utr)
        if order.state != "Created":
            raise _not_payable(order)
        try:
            order = rt.engine.apply(
                NAME, order.tenant, ORDER, order.id, "submit_utr", changes={"utr": utr}
            )
        except IllegalTransition:
            raise _not_payable(rt.store.get(NAME, order.tenant, ORDER, order.id)) from None
        rt.store.insert(
            Record(
                provider=NAME,
                tenant=order.tenant,
                kind=PAYMENT,
                id=utr,
                state="submitted",  # the payment's status is its order's (see the module doc)
                data={"number": rt.ids.number(f"{NAME}:payment"), "amount": order.data["amount"]},
                created_at=order.data["submitted_at"],
                parent=order.id,
            )
        )
    return order


def _not_payable(order: Record | None) -> Exception:
    assert order is not None
    reasons = {
        "Pending": f"already has UTR {order.data.get('utr')} awaiting the vendor's confirmation",
        "Succeeded": "is already paid",
        "Expired": "has expired; create a new order",
    }
    reason = reasons.get(order.state, f"is {order.state}")
    return errors.order_conflict(order.id, order.state, f"Order {order_alias(order.id)} {reason}.")


def confirm_payment(rt: "Runtime", tenant: Tenant, body: Mapping[str, Any]) -> Record:
    """The vendor confirms the payment of a UTR (payments/update): the UTR must have been
    submitted to one of its orders, and amount and vendor code must match."""
    utr = body["utr"]
    payment = rt.store.get(NAME, tenant.id, PAYMENT, utr)
    if payment is None:
        raise errors.payment_not_found(utr)
    order = rt.store.get(NAME, tenant.id, ORDER, payment.parent)
    assert order is not None
    if order.state == "Succeeded":
        raise errors.already_confirmed(utr, payment.data["number"])
    if order.state != "Pending":
        raise _not_payable(order)
    if body["vendor_code"] != tenant.id:
        raise errors.vendor_mismatch("vendor_code", body["vendor_code"], tenant.id)
    try:
        amount = to_paise(body["amount"])
    except ValueError as exc:
        raise errors.invalid("amount", str(exc)) from None
    if amount != order.data["amount"]:
        raise errors.amount_mismatch(utr, as_string(amount), as_string(order.data["amount"]))
    try:
        rt.engine.apply(NAME, tenant.id, ORDER, order.id, "confirm")
    except IllegalTransition:  # a concurrent confirmation won
        raise errors.already_confirmed(utr, payment.data["number"]) from None
    return payment


def payment_order(rt: "Runtime", payment: Record) -> Record:
    """The order a payment was submitted for."""
    order = rt.store.get(NAME, payment.tenant, ORDER, payment.parent)
    assert order is not None, f"payment {payment.id} lost its order"
    return order


def payment_view(payment: Record, order: Record) -> dict[str, Any]:
    """A vendor payments list item (seed 000 "/api/vendor/payments" → payments[])."""
    return {
        "id": payment.data["number"],
        "utr": payment.id,
        "amount": amount_json(payment.data["amount"]),
        "status": PAYMENT_STATUS[order.state][0],
        "created_at": iso_z(payment.created_at),
        "order_id": order_alias(order.id),
    }


def confirmed_view(payment: Record, order: Record) -> dict[str, Any]:
    """payments/update → payment."""
    status, name = PAYMENT_STATUS[order.state]
    return {
        "id": payment.data["number"],
        "utr": payment.id,
        "amount": amount_json(payment.data["amount"]),
        "status": status,
        "payment_status": name,
    }


# -- the vendor's UPI profile ---------------------------------------------------------


def upi_intent(tenant: Tenant, order: Record | None = None) -> str:
    """The vendor's UPI payment intent: its static one (the payment profile), or one order's
    (the checkout page): the order's amount, its id as the reference and the note."""
    upi_id, name = tenant.profile["upi_id"], tenant.profile["business_name"]
    if order is None:
        return qr.upi_intent(upi_id, name)
    return qr.upi_intent(
        upi_id, name, as_string(order.data["amount"]), reference=order.id, note=order.id
    )


def payment_info(tenant: Tenant) -> dict[str, Any]:
    """The vendor's payment profile (seed 000 "/api/vendor/payment-info")."""
    intent = upi_intent(tenant)
    return {
        "success": True,
        "business_name": tenant.profile["business_name"],
        "upi_id": tenant.profile["upi_id"],
        "vendor_code": tenant.id,
        "upi_intent": intent,
        "qr_code": qr.qr_data_uri(intent),
    }


# -- payouts --------------------------------------------------------------------------


def draft_payout(rt: "Runtime", tenant: Tenant, body: Mapping[str, Any], now: int) -> Draft:
    """A payout to the vendor (scenario fixtures and the seeder; the API only lists them)."""
    try:
        amount = to_paise(body["amount"])
    except ValueError as exc:
        raise errors.invalid("amount", str(exc)) from None
    if amount <= 0:
        raise errors.invalid("amount", "a payout must be more than zero")
    number = rt.ids.number(f"{NAME}:payout")
    reference = body.get("reference_id") or "ref_" + rt.ids.token(f"payout:{number}", 9, DIGITS)
    data: dict[str, Any] = {
        "number": number,
        "amount": amount,
        "beneficiary_name": body.get("beneficiary_name") or tenant.profile["beneficiary_name"],
        "reference_id": reference,
    }
    for key in ("utr", "failure_reason"):
        if body.get(key):
            data[key] = body[key]
    return Draft(PAYOUT, f"po_{number}", data, ref=reference)


def payout_view(record: Record) -> dict[str, Any]:
    """A payouts list item (seed 000 "Payouts API" → payouts[])."""
    data = record.data
    view: dict[str, Any] = {
        "id": data["number"],
        "amount": amount_json(data["amount"]),
        "status": record.state,
        "beneficiary_name": data["beneficiary_name"],
        "reference_id": data["reference_id"],
    }
    if record.state == "completed" and data.get("utr"):
        view["utr"] = data["utr"]
    view["created_at"] = iso_z(record.created_at)
    if record.state == "failed" and data.get("failure_reason"):
        view["failure_reason"] = data["failure_reason"]
    return view


BUILDERS = {ORDER: draft_order, PAYOUT: draft_payout}
