"""ZazPay resources: stored data built from requests, and the wire shapes of seed 001."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping
from urllib.parse import urlsplit

from sandbox.clock import IST, from_ms
from sandbox.ids import IdGenerator
from sandbox.providers.base import Tenant
from sandbox.providers.zazpay import catalogue, errorbits
from sandbox.store import Record, Store

NAME = "zazpay"
PAYMENT = "payment"
VAULT = "vault"
RECEIVER = "receiver"
SUBSCRIPTION = "subscription"
KINDS = (PAYMENT, VAULT, RECEIVER, SUBSCRIPTION)
MAX_VARS = 5  # x-variables and z-variables each (payments bits 26 / 27)
DECLINED_CARD = "4000000000000002"  # DESIGN.md: declined with bit 24 "Gateway Error."
SUBSCRIPTION_PAYMENT_FAILED = 48  # payments position (see errorbits: the seed's 2^48)

STATUS = {
    "created": "Initiated",
    "initiated": "Initiated",
    "authorized": "Authorized",
    "captured": "Captured",
    "voided": "Voided",
    "refunded": "Refunded",
    "canceled": "Canceled",
    "pending": "Pending",
    "error": "Error",
}
SUBSCRIPTION_STATUS = {"initiated": "Initiated", "active": "Active", "canceled": "Canceled"}
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def ist(ms: int) -> str:
    """A sandbox instant as the seed writes it: `2013-07-06T16:36:39+05:30`."""
    return from_ms(ms).astimezone(IST).isoformat(timespec="seconds")


def money(value: Decimal | str) -> str:
    """An exact amount with two places."""
    return f"{Decimal(value):.2f}"


def number(value: Decimal | str) -> int | float:
    """An amount as the seed's JSON numbers show it (100, 19.5)."""
    amount = Decimal(value)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def new_number(store: Store, ids: IdGenerator, tenant: Tenant, kind: str) -> str:
    """A numeric id (a digit string) from the tenant's own counter for `kind`, passing over
    numbers the tenant's resources of another kind hold: numbered per kind from their
    `id_bases` (as the seed's examples), one number still names one resource of a
    merchant, so lookups by id (control API, IPN counts, timers) never mix kinds up. Called
    inside the creating transaction, so no concurrent create takes the number meanwhile."""
    base = int(tenant.profile.get("id_bases", {}).get(kind, 1000))
    while True:
        number = str(base + ids.number(kind))
        if not any(store.get(NAME, tenant.id, other, number) for other in KINDS if other != kind):
            return number


def new_key(ids: IdGenerator, namespace: str) -> str:
    """A uuid-shaped key (paykey, vault_key), as the seed's examples show them."""
    raw = ids.new(namespace, 32)[len(namespace) :]
    return f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-a{raw[17:20]}-{raw[20:32]}"


def variables(body: Mapping[str, Any], prefix: str) -> dict[str, str]:
    """The posted x- or z-variables, by name."""
    return {k: str(v) for k, v in body.items() if k.startswith(prefix)}


def url_on_site(url: str, domain: str) -> bool:
    """Whether a URL points at the website's domain (or a subdomain) or at a loopback host
    (sandbox choice: local receivers must work)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    domain = domain.lower()
    return host in LOOPBACK_HOSTS or host == domain or host.endswith("." + domain)


def luhn_ok(number_text: str) -> bool:
    """The Luhn check every card number passes."""
    total = 0
    for index, digit in enumerate(reversed(number_text)):
        value = int(digit)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


# -- payments -----------------------------------------------------------------------------


def status_of(record: Record) -> str:
    """A payment's status as answered."""
    return STATUS[record.state]


def history_entry(at: int, action: str, status: str) -> dict[str, Any]:
    """One `payment_histories` step (stored with the instant in epoch ms)."""
    return {"at": at, "action": action, "status": status}


def action_label(data: Mapping[str, Any], simple: str) -> str:
    """`Auth` → `Marketplace-Auth` on a marketplace payment."""
    return f"Marketplace-{simple}" if data.get("marketplace") else simple


def receiver_block(data: Mapping[str, Any]) -> dict[str, Any]:
    """`receiver` and the split, as the marketplace actions answer them."""
    market = data["marketplace"]
    fixed, variable = market["fixed_merchant_amount"], market["variable_merchant_amount"]
    return {
        "receiver": {"id": market["receiver_id"], "amount": market["receiver_amount"]},
        "marketplace_fees_payer": market["fees_payer"],
        "marketplace_fixed_merchant_amount": number(fixed) if fixed else "",
        "marketplace_variable_merchant_amount": number(variable) if variable else "",
    }


def payment_result(
    record: Record,
    base_url: str,
    ids: IdGenerator,
    *,
    with_paykey: bool = True,
    error: Mapping | None = None,
) -> dict[str, Any]:
    """What an action answers (seed: the auth / capture / void / refund examples)."""
    data = record.data
    body: dict[str, Any] = {"id": record.id, "status": status_of(record)}
    if record.state == "initiated":
        body["gateway_callback_url"] = hosted_url(base_url, ids, record)
    else:
        body["created"] = ist(record.created_at)
        body["modified"] = ist(data.get("modified_at", record.created_at))
        if with_paykey and data.get("paykey"):
            body["paykey"] = data["paykey"]
    if data.get("marketplace"):
        body.update(receiver_block(data))
        if data.get("refunded_from"):
            body["refunded_from"] = data["refunded_from"]
    if data.get("x_vars"):
        body["x-vars"] = data["x_vars"]
    if data.get("z_vars"):
        body["z-vars"] = data["z_vars"]
    body["error"] = dict(error) if error is not None else status_error(record)
    return body


def status_error(record: Record) -> dict[str, Any]:
    """The error object a payment's status carries (seed 001): 0 for a settled step, -4
    Initiated, -8 Pending, bit 24 "Gateway Error." for a declined card, bit 25 for the
    buyer's cancel, and for a failed subscription payment bit 48 "Subscription Payment
    Failed" (code 281474976710656, as the subscription details example shows)."""
    if record.state == "initiated":
        return errorbits.initiated()
    if record.state == "pending":
        return errorbits.pending()
    if record.state == "error":
        position = SUBSCRIPTION_PAYMENT_FAILED if record.data.get("subscription_id") else 24
    elif record.state == "canceled":
        position = 25
    else:
        return errorbits.success()
    return errorbits.error_object([errorbits.Problem("payments", position)])


def ipn_block(summary: Mapping[str, Any] | None) -> dict[str, Any]:
    """The `ipn` block from the real deliveries (none yet: zero, "")."""
    summary = summary or {}
    return {
        "count": int(summary.get("count", 0)),
        "latest_delivery_attempt_date": summary.get("date", ""),
        "latest_delivery_attempt_status": summary.get("status", ""),
    }


def payment_details(
    record: Record, tenant: Tenant, ipn: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Payment details (seed "Payment Details") and each row of the payments listing."""
    data = record.data
    gateway = catalogue.gateways()[int(data["gateway_id"])]
    site = catalogue.website(tenant.id, data["website_id"]) or {}
    buyer = data["buyer"]
    body: dict[str, Any] = {
        "id": int(record.id),
        "created": ist(record.created_at),
        "modified": ist(data.get("modified_at", record.created_at)),
        "amount": number(data["amount"]),
        "status": status_of(record),
    }
    if data.get("paykey"):
        body["paykey"] = data["paykey"]
    body.update(
        {
            "item_name": data["item_name"],
            "item_description": data["item_description"],
            "action": data["action"],
            "merchant": {"id": tenant.id, "name": tenant.name},
            "gateway": {"id": str(gateway.id), "name": gateway.name},
            "website": {"id": data["website_id"], "name": site.get("domain_name", "")},
            "payment_histories": [
                {"created": ist(h["at"]), "action": h["action"], "status": h["status"]}
                for h in data.get("histories", [])
            ],
            "buyer": {
                "email": buyer.get("email", ""),
                "address": buyer.get("address", ""),
                "city": buyer.get("city", ""),
                "state": buyer.get("state", ""),
                "country": buyer.get("country", ""),
            },
        }
    )
    if data.get("marketplace"):
        market = data["marketplace"]
        body["marketplace"] = {
            "receiver_id": market["receiver_id"],
            "receiver_amount": market["receiver_amount"],
            "fees_payer": market["fees_payer"],
            "fixed_merchant_amount": market["fixed_merchant_amount"],
            "variable_merchant_amount": market["variable_merchant_amount"],
        }
    body["ipn"] = ipn_block(ipn)
    body["x-vars"] = dict(data.get("x_vars") or {})
    body["z-vars"] = dict(data.get("z_vars") or {})
    body["error"] = status_error(record)
    return body


# -- vaults -------------------------------------------------------------------------------


def vault_summary(record: Record) -> dict[str, Any]:
    """A stored card as listed."""
    data = record.data
    return {
        "id": record.id,
        "user_handle": data["user_handle"],
        "vault_key": data["vault_key"],
        "masked_cc": "*" * 12 + data["last4"],
        "credit_card_type": data["credit_card_type"],
    }


def vault_view(record: Record) -> dict[str, Any]:
    """A stored card as create / update answer it."""
    return {**vault_summary(record), "error": errorbits.success()}


# -- receivers ----------------------------------------------------------------------------


def receiver_view(
    record: Record,
    tenant: Tenant,
    gateway_ids: list[int],
    callback_url: str | None = None,
) -> dict[str, Any]:
    """A receiver and its gateway accounts (step 1 adds each gateway's connect URL)."""
    site = catalogue.website(tenant.id, record.data["website_id"]) or {}
    gateways = []
    for gateway_id in gateway_ids:
        gateway = catalogue.gateways()[gateway_id]
        entry: dict[str, Any] = {"id": gateway.id, "name": gateway.name}
        if callback_url is not None:
            entry["gateway_callback_url"] = callback_url
        gateways.append(entry)
    return {
        "id": int(record.id),
        "websites": {"id": record.data["website_id"], "name": site.get("domain_name", "")},
        "gateways": gateways,
        "error": errorbits.success(),
    }


# -- subscriptions ------------------------------------------------------------------------


def subscription_details(
    record: Record,
    tenant: Tenant,
    payments: list[dict[str, Any]],
    ipn: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Subscription details (seed "Get Subscription Details")."""
    data = record.data
    site = catalogue.website(tenant.id, data["website_id"]) or {}
    buyer = data["buyer"]
    return {
        "subscription_id": int(record.id),
        "created": ist(record.created_at),
        "user_handle": data["user_handle"],
        "status": SUBSCRIPTION_STATUS[record.state],
        "item_name": data["item_name"],
        "item_description": data["item_description"],
        "fees_payer": data.get("fees_payer", "merchant").upper(),
        "merchant": {"id": int(tenant.id), "name": tenant.name},
        "website": {"id": int(data["website_id"]), "name": site.get("domain_name", "")},
        "buyer": {k: buyer.get(k, "") for k in ("email", "address", "city", "state", "country")},
        "ipn": ipn_block(ipn),
        "x-vars": dict(data.get("x_vars") or {}),
        "z-vars": dict(data.get("z_vars") or {}),
        "error": errorbits.success(),
        "payments": payments,
    }


def subscription_payment(
    record: Record, tenant: Tenant, ipn: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """One periodic payment of a subscription, as subscription details list it."""
    data = record.data
    site = catalogue.website(tenant.id, data["website_id"]) or {}
    buyer = data["buyer"]
    body: dict[str, Any] = {
        "id": int(record.id),
        "created": ist(record.created_at),
        "modified": ist(data.get("modified_at", record.created_at)),
        "amount": number(data["amount"]),
        "original_amount": number(data.get("original_amount", data["amount"])),
        "status": status_of(record),
    }
    if data.get("paykey"):
        body["paykey"] = data["paykey"]
    body.update(
        {
            "item_name": data["item_name"],
            "item_description": data["item_description"],
            "action": data["action"],
            "fees_payer": data.get("fees_payer", "merchant").upper(),
            "merchant": {"id": int(tenant.id), "name": tenant.name},
            "website": {"id": int(data["website_id"]), "name": site.get("domain_name", "")},
            "buyer": {
                k: buyer.get(k, "") for k in ("email", "address", "city", "state", "country")
            },
            "ipn": ipn_block(ipn),
            "error": status_error(record),
        }
    )
    return body


# -- hosted pages -------------------------------------------------------------------------


def page_token(ids: IdGenerator, kind: str, tenant: str, resource_id: str) -> str:
    """The token that makes a hosted page's link a capability (stable per resource)."""
    return ids.token(f"{NAME}:page:{kind}:{tenant}:{resource_id}", 24)


def hosted_url(base_url: str, ids: IdGenerator, record: Record, *extra: str) -> str:
    """The link to a resource's hosted page (`payments`, `subscriptions`, `receivers`)."""
    section = {PAYMENT: "payments", SUBSCRIPTION: "subscriptions", RECEIVER: "receivers"}
    parts = [
        record.tenant,
        record.id,
        *extra,
        page_token(ids, record.kind, record.tenant, record.id),
    ]
    return f"{base_url}/{NAME}/hosted/{section[record.kind]}/" + "/".join(parts)
