"""ZazPay operations (operationIds of specs/zazpay.yaml): parse → engine/store → shape."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Awaitable, Callable, Mapping, Sequence

from sandbox.context import base_url, current
from sandbox.lifecycle import Draft, IllegalTransition
from sandbox.providers.base import Tenant
from sandbox.providers.zazpay import catalogue, errorbits, errors, models, paging, signature
from sandbox.providers.zazpay import money as zmoney
from sandbox.providers.zazpay.catalogue import Gateway
from sandbox.providers.zazpay.models import NAME, PAYMENT, RECEIVER, SUBSCRIPTION, VAULT
from sandbox.runtime import Runtime
from sandbox.scenario.requests import BodyProblems, request_problems
from sandbox.store import Delivery, Record

Response = tuple[dict[str, Any], int]
PAYMENTS = "payments"
CARD_FIELDS = (
    "credit_card_number",
    "credit_card_expire",
    "credit_card_name_on_card",
    "credit_card_code",
)
ALL = 1_000_000  # "every record" for listings paged in Python
# Path parameters a scenario fixture folds into a body (never part of a signature).
VAULT_PATH_FIELDS = ("merchant_id", "website_id")
SUBSCRIPTION_PATH_FIELDS = ("merchant_id", "website_id")
RECEIVER_PATH_FIELDS = ("merchant_id", "website_id", "gateway_id")
PAYMENT_PATH_FIELDS = ("merchant_id", "gateway_id")


def _base_url(rt: Runtime) -> str:
    return rt.public_url(base_url())


# -- lookups shared by operations ----------------------------------------------------------


def _tenant(rt: Runtime, merchant_id: str, token_info: Mapping[str, Any], table: str | None):
    """The authenticated merchant; another merchant's id in the path answers like an
    unknown one."""
    if merchant_id != token_info["tenant"]:
        raise errors.not_found(table, "merchant")
    return rt.tenant(NAME, merchant_id)


def _website(tenant: Tenant, website_id: str, table: str | None) -> Mapping[str, Any]:
    site = catalogue.website(tenant.id, website_id)
    if site is None:
        raise errors.not_found(table, "website")
    return site


def _gateway(tenant: Tenant, gateway_id: str, table: str | None) -> Gateway:
    gateway = catalogue.enabled_gateway(tenant.id, gateway_id)
    if gateway is not None:
        return gateway
    if table == PAYMENTS and gateway_id.isdigit() and int(gateway_id) in catalogue.gateways():
        raise errors.fail(404, PAYMENTS, 22)
    raise errors.not_found(table, "gateway")


def _signature_wrong(tenant: Tenant, body: Mapping[str, Any]) -> bool:
    return signature.verify(tenant.credentials["signature_secret"], body) is False


def _vars_problems(body: Mapping[str, Any], x_bit: int, z_bit: int) -> list[int]:
    found = []
    if len(models.variables(body, "x-")) > models.MAX_VARS:
        found.append(x_bit)
    if len(models.variables(body, "z-")) > models.MAX_VARS:
        found.append(z_bit)
    return found


def _url_problems(
    body: Mapping[str, Any], site: Mapping[str, Any], bits: Mapping[str, int]
) -> list[int]:
    return [
        bit
        for field, bit in bits.items()
        if field in body and not models.url_on_site(str(body[field]), site["domain_name"])
    ]


def _active(rt: Runtime, tenant: Tenant, kind: str, id: str) -> Record | None:
    record = rt.store.get(NAME, tenant.id, kind, id)
    return None if record is None or record.state == "deleted" else record


def _vault_by_key(rt: Runtime, tenant: Tenant, key: str) -> Record | None:
    for record in rt.store.query(
        NAME, tenant.id, VAULT, where={"state": "active"}, limit=ALL
    ).records:
        if record.data["vault_key"] == key:
            return record
    return None


# -- merchant ------------------------------------------------------------------------------


async def get_plan(merchant_id: str, website_id: str, token_info: dict[str, Any]) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, None)
    _website(tenant, website_id, None)
    plan = catalogue.plan_fields()
    start = rt.clock.start_ms
    day = 86_400_000
    payments = rt.store.query(NAME, tenant.id, PAYMENT, limit=ALL).records
    captured = sum(
        (Decimal(p.data["amount"]) for p in payments if p.state in ("captured", "refunded")),
        Decimal(0),
    )
    return {
        "id": plan["id"],
        "name": plan["name"],
        "brand": plan["brand"],
        "start_date": models.ist(start - plan["days_before_start"] * day),
        "end_date": models.ist(start + plan["days_after_start"] * day),
        "allowed_transaction_limit": plan["allowed_transaction_limit"],
        "current_transaction_count": len(payments),
        "current_transaction_amount": models.number(captured),
        "error": errorbits.success(),
    }, 200


async def list_gateways(
    merchant_id: str,
    website_id: str,
    token_info: dict[str, Any],
    page: int = 1,
    supported_countries: str | None = None,
    supported_languages: str | None = None,
    supported_currencies: str | None = None,
    supported_actions: str | None = None,
    maximum_payable_amount: float | None = None,
    valid_capture_period: int | None = None,
    is_capture_guarantee: str | None = None,
    return_metadata: str | None = None,
    preferred_gateways: str | None = None,
) -> Response:
    rt = current()
    table = "gateways_listing"
    tenant = _tenant(rt, merchant_id, token_info, table)
    _website(tenant, website_id, table)
    query = {
        "supported_countries": supported_countries,
        "supported_languages": supported_languages,
        "supported_currencies": supported_currencies,
        "supported_actions": supported_actions,
        # The query text, not a binary float: amounts stay exact.
        "maximum_payable_amount": None
        if maximum_payable_amount is None
        else repr(maximum_payable_amount),
        "valid_capture_period": valid_capture_period,
        "is_capture_guarantee": is_capture_guarantee,
        "preferred_gateways": preferred_gateways,
    }
    groups = catalogue.listed_groups(tenant.id, catalogue.GatewayFilter.from_query(query))
    body: dict[str, Any] = {}
    if return_metadata is not None and catalogue.truthy(return_metadata):
        path = f"/merchants/{merchant_id}/websites/{website_id}/gateways"
        kept = {**query, "return_metadata": return_metadata}
        body["_metadata"] = paging.metadata(path, page, len(groups), kept)
    body["gateways"] = list(paging.window(groups, page))
    body["error"] = errorbits.success()
    return body, 200


async def list_websites(merchant_id: str, token_info: dict[str, Any]) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, "websites_listing")
    websites = []
    for site in catalogue.merchant(tenant.id)["websites"]:
        payments = rt.store.query(NAME, tenant.id, PAYMENT, where={"parent": site["id"]}, limit=ALL)
        receivers = rt.store.query(
            NAME, tenant.id, RECEIVER, where={"parent": site["id"]}, limit=ALL
        )
        total = sum(
            (Decimal(p.data["amount"]) for p in payments.records if p.state == "captured"),
            Decimal(0),
        )
        websites.append(
            {
                "id": site["id"],
                "domain_name": site["domain_name"],
                "receiver_count": str(sum(r.state != "deleted" for r in receivers.records)),
                "total_payment_amount": f"{total:.1f}"
                if total == total.quantize(Decimal("0.1"))
                else f"{total:.2f}",
                "total_payment_count": str(payments.total),
            }
        )
    return {"websites": websites, "error": errorbits.success()}, 200


# -- vaults --------------------------------------------------------------------------------

VAULT_TABLE = "vault"


def _vault_record(rt: Runtime, tenant: Tenant, website_id: str, vault_id: str) -> Record:
    record = _active(rt, tenant, VAULT, vault_id)
    if record is None or record.parent != website_id:
        raise errors.not_found(VAULT_TABLE, "vault")
    return record


def _vault_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    keep = (
        "user_handle",
        "email",
        "credit_card_expire",
        "credit_card_name_on_card",
        "address",
        "city",
        "state",
        "country",
        "zip_code",
        "phone",
    )
    return {k: str(body[k]) for k in keep if k in body}


def build_vault(rt: Runtime, tenant: Tenant, body: Mapping[str, Any], _now: int) -> Draft:
    """A stored card from a create-vault body (`website_id` folded in), checked as the API
    checks it."""
    website_id = str(body["website_id"])
    _website(tenant, website_id, VAULT_TABLE)
    positions = []
    if _signature_wrong(tenant, {k: v for k, v in body.items() if k not in VAULT_PATH_FIELDS}):
        positions.append(6)
    if not catalogue.is_iso2(body["country"]):
        positions.append(8)
    number = str(body["credit_card_number"])
    if not models.luhn_ok(number):
        positions.append(7)
    if positions:
        raise errors.fail(400, VAULT_TABLE, *positions)
    ids = rt.ids.scoped(NAME, tenant.id)
    data = {
        **_vault_fields(body),
        "website_id": website_id,
        "vault_key": models.new_key(ids, "vault"),
        "last4": number[-4:],
        "credit_card_type": body["credit_card_type"],
        "declines": number == models.DECLINED_CARD,
    }
    return Draft(VAULT, models.new_number(rt.store, ids, tenant, VAULT), data, parent=website_id)


async def create_vault(
    merchant_id: str, website_id: str, body: dict[str, Any], token_info: dict[str, Any]
) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, VAULT_TABLE)
    _website(tenant, website_id, VAULT_TABLE)
    with rt.store.transaction():
        fields = {**body, "website_id": website_id}
        draft = build_vault(rt, tenant, fields, rt.clock.now_ms())
        record = rt.engine.create(NAME, tenant.id, VAULT, draft.id, draft.data, parent=draft.parent)
    return models.vault_view(record), 200


async def update_vault(
    merchant_id: str,
    website_id: str,
    vault_id: str,
    body: dict[str, Any],
    token_info: dict[str, Any],
) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, VAULT_TABLE)
    _website(tenant, website_id, VAULT_TABLE)
    _vault_record(rt, tenant, website_id, vault_id)
    positions = []
    if _signature_wrong(tenant, body):
        positions.append(6)
    if not catalogue.is_iso2(body["country"]):
        positions.append(8)
    if positions:
        raise errors.fail(400, VAULT_TABLE, *positions)
    try:
        record = rt.engine.apply(
            NAME, tenant.id, VAULT, vault_id, "update", changes=_vault_fields(body)
        )
    except IllegalTransition:
        raise errors.not_found(VAULT_TABLE, "vault") from None
    return models.vault_view(record), 200


async def delete_vault(
    merchant_id: str, website_id: str, vault_id: str, token_info: dict[str, Any]
) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, VAULT_TABLE)
    _website(tenant, website_id, VAULT_TABLE)
    _vault_record(rt, tenant, website_id, vault_id)
    try:
        rt.engine.apply(NAME, tenant.id, VAULT, vault_id, "delete")
    except IllegalTransition:
        raise errors.not_found(VAULT_TABLE, "vault") from None
    return {"status": "success", "error": errorbits.success()}, 200


def _vault_list(
    merchant_id: str,
    website_id: str,
    token_info: dict[str, Any],
    page: int,
    path: str,
    user_handle: str | None = None,
) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, VAULT_TABLE)
    _website(tenant, website_id, VAULT_TABLE)
    records = rt.store.query(
        NAME, tenant.id, VAULT, where={"state": "active", "parent": website_id}, limit=ALL
    ).records
    if user_handle is not None:
        records = [r for r in records if r.data["user_handle"] == user_handle]
    return {
        "_metadata": paging.metadata(path, page, len(records)),
        "vaults": [models.vault_summary(r) for r in paging.window(records, page)],
        "error": errorbits.success(),
    }, 200


async def list_vaults(
    merchant_id: str, website_id: str, token_info: dict[str, Any], page: int = 1
) -> Response:
    path = f"/merchants/{merchant_id}/websites/{website_id}/vaults"
    return _vault_list(merchant_id, website_id, token_info, page, path)


async def list_vaults_of_type(
    merchant_id: str, website_id: str, token_info: dict[str, Any], page: int = 1
) -> Response:
    path = f"/merchants/{merchant_id}/websites/{website_id}/vaults/type/cc"
    return _vault_list(merchant_id, website_id, token_info, page, path)


async def list_vaults_example_form(
    merchant_id: str, website_id: str, token_info: dict[str, Any], page: int = 1
) -> Response:
    path = f"/merchants/{merchant_id}/websites/{website_id}/vaults/type/cc"
    return _vault_list(merchant_id, website_id, token_info, page, path)


async def list_user_vaults(
    merchant_id: str,
    website_id: str,
    user_handle: str,
    token_info: dict[str, Any],
    page: int = 1,
) -> Response:
    path = f"/merchants/{merchant_id}/websites/{website_id}/users/{user_handle}/vaults"
    return _vault_list(merchant_id, website_id, token_info, page, path, user_handle)


async def list_user_vaults_of_type(
    merchant_id: str,
    website_id: str,
    user_handle: str,
    token_info: dict[str, Any],
    page: int = 1,
) -> Response:
    path = f"/merchants/{merchant_id}/websites/{website_id}/users/{user_handle}/vaults/type/cc"
    return _vault_list(merchant_id, website_id, token_info, page, path, user_handle)


# -- subscriptions -------------------------------------------------------------------------

SUBS = "subscriptions"
PAYPAL = 1  # seed 001: subscriptions are PayPal's
# Term ranges per unit (seed: D 1-90, W 1-52, M 1-24, Y 1-5).
TERM_LIMITS = {"D": 90, "W": 52, "M": 24, "Y": 5}


def _term_problems(body: Mapping[str, Any]) -> list[int]:
    found: list[int] = []
    # (amount, period, unit) bits: missing period, invalid period, missing unit, invalid unit.
    for suffix, bits in (("1", (29, 30, 31, 32)), ("2", (24, 25, 26, 27)), ("3", (8, 21, 9, 22))):
        amount, period, unit = (body.get(f"{k}{suffix}") for k in ("a", "p", "t"))
        if suffix != "3" and amount is None:
            if period is not None:
                found.append(bits[1])
            if unit is not None:
                found.append(bits[3])
            continue
        if period is None:
            found.append(bits[0])
        if unit is None:
            found.append(bits[2])
        if period is not None and unit is not None and int(period) > TERM_LIMITS[unit]:
            found.append(bits[1])
    if body.get("a2") is not None and body.get("a1") is None:
        found.append(48)
    if "a3" in body and Decimal(body["a3"]) <= 0:
        found.append(20)  # trials may be free; the regular period may not
    return found


def draft_subscription(
    rt: Runtime, tenant: Tenant, website_id: str, body: Mapping[str, Any]
) -> Draft:
    """A new PayPal subscription of the website from a create body, checked as the API
    checks it (every problem, one bit each)."""
    site = _website(tenant, website_id, SUBS)
    gateway = catalogue.enabled_gateway(tenant.id, PAYPAL)
    if gateway is None:
        raise errors.fail(404, SUBS, 50)
    positions = _term_problems(body)
    if _signature_wrong(tenant, body):
        positions.append(19)
    positions += _vars_problems(body, 33, 34)
    positions += _url_problems(body, site, {"cancel_url": 16, "success_url": 17, "notify_url": 18})
    currency = body.get("currency_code") or body.get("currency")
    if not currency:
        positions.append(38)
    elif not any(currency.upper() in f["currencies"] for f in gateway.features):
        positions.append(39)
    if not catalogue.is_iso2(body["buyer_country"]):
        positions.append(42)
    fees_payer = body.get("fees_payer", "merchant")
    token = body.get("buyer_fees_payer_confirmation_token")
    if fees_payer == "buyer":
        if not token:
            positions.append(43)
        elif token != gateway.confirmation_token:
            positions.append(44)
    if positions:
        raise errors.fail(400, SUBS, *positions)
    data = {
        "website_id": website_id,
        "gateway_id": gateway.id,
        "user_handle": body["user_handle"],
        "item_name": body["item_name"],
        "item_description": body["item_description"],
        "currency_code": currency.upper(),
        "fees_payer": fees_payer,
        "buyer": _buyer(body),
        "terms": {
            k: body[k] for k in ("a1", "p1", "t1", "a2", "p2", "t2", "a3", "p3", "t3") if k in body
        },
        "notify_url": body.get("notify_url"),
        "success_url": body.get("success_url"),
        "cancel_url": body.get("cancel_url"),
        "x_vars": models.variables(body, "x-"),
        "z_vars": models.variables(body, "z-"),
    }
    ids = rt.ids.scoped(NAME, tenant.id)
    subscription_id = models.new_number(rt.store, ids, tenant, SUBSCRIPTION)
    return Draft(SUBSCRIPTION, subscription_id, data, parent=website_id)


def build_subscription(rt: Runtime, tenant: Tenant, body: Mapping[str, Any], _now: int) -> Draft:
    """Scenario fixtures and the control API: a subscription from a create body
    (`website_id` folded in) awaiting approval; the fixture's `state: active` approves it
    at its creation instant (the first period is charged then, the others as the clock
    passes them)."""
    fields = {k: v for k, v in body.items() if k not in SUBSCRIPTION_PATH_FIELDS}
    return draft_subscription(rt, tenant, str(body["website_id"]), fields)


async def create_subscription(
    merchant_id: str, website_id: str, body: dict[str, Any], token_info: dict[str, Any]
) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, SUBS)
    _website(tenant, website_id, SUBS)
    with rt.store.transaction():  # the id counter and the subscription commit together
        draft = draft_subscription(rt, tenant, website_id, body)
        record = rt.engine.create(
            NAME, tenant.id, SUBSCRIPTION, draft.id, draft.data, parent=draft.parent
        )
    data = record.data
    answer: dict[str, Any] = {
        "subscription_id": record.id,
        "subcription_status": "Initiated",
        "gateway_callback_url": models.hosted_url(_base_url(rt), rt.ids, record),
    }
    if data["x_vars"]:
        answer["x-vars"] = data["x_vars"]
    if data["z_vars"]:
        answer["z-vars"] = data["z_vars"]
    answer["error"] = errorbits.initiated()
    return answer, 200


def _subscription(rt: Runtime, tenant: Tenant, subscription_id: str) -> Record:
    record = rt.store.get(NAME, tenant.id, SUBSCRIPTION, subscription_id)
    if record is None:
        raise errors.not_found(SUBS, "subscription")
    return record


async def cancel_subscription(
    merchant_id: str,
    website_id: str,
    gateway_id: str,
    subscription_id: str,
    token_info: dict[str, Any],
) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, SUBS)
    _website(tenant, website_id, SUBS)
    if catalogue.enabled_gateway(tenant.id, gateway_id) is None:
        raise errors.fail(404, SUBS, 50)
    record = _subscription(rt, tenant, subscription_id)
    if record.parent != website_id or str(record.data["gateway_id"]) != gateway_id:
        raise errors.not_found(SUBS, "subscription")
    try:
        rt.engine.apply(NAME, tenant.id, SUBSCRIPTION, subscription_id, "cancel")
    except IllegalTransition:
        raise errors.fail(409, SUBS, 45) from None
    return {
        "status": "success",
        "subcription_status": "Canceled",
        "error": errorbits.success(),
    }, 200


async def get_subscription(
    merchant_id: str, subscription_id: str, token_info: dict[str, Any]
) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, SUBS)
    record = _subscription(rt, tenant, subscription_id)
    everything = rt.store.query(
        NAME, tenant.id, PAYMENT, where={"parent": record.data["website_id"]}, limit=ALL
    ).records
    payments = [
        models.subscription_payment(p, tenant, ipn_summary(rt, p))
        for p in reversed(everything)
        if p.data.get("subscription_id") == record.id
    ]
    details = models.subscription_details(record, tenant, payments, ipn_summary(rt, record))
    return details, 200


# -- receivers -----------------------------------------------------------------------------

CREATE_RECEIVER = "create_receiver_account"
RECEIVERS = "receivers"
RECEIVER_LISTING = "receiver_accounts_listing"


def _marketplace_gateway(tenant: Tenant, gateway_id: str, table: str) -> Gateway:
    gateway = catalogue.enabled_gateway(tenant.id, gateway_id)
    if gateway is None or gateway not in catalogue.marketplace_gateways(tenant.id):
        raise errors.not_found(table, "gateway")
    return gateway


def _receiver(rt: Runtime, tenant: Tenant, website_id: str, receiver_id: str, table: str):
    record = _active(rt, tenant, RECEIVER, receiver_id)
    if record is None or record.parent != website_id:
        raise errors.not_found(table, "receiver")
    return record


def _receiver_url_problems(body: Mapping[str, Any], site: Mapping[str, Any]) -> list[int]:
    return _url_problems(body, site, {"notify_url": 6, "return_url": 7})


def draft_receiver(
    rt: Runtime, tenant: Tenant, website_id: str, gateway_id: str, body: Mapping[str, Any]
) -> Draft:
    """A new receiver of the website (step 1) from a create body, checked as the API
    checks it; `gateway_id` is the marketplace gateway it is asked to connect."""
    site = _website(tenant, website_id, CREATE_RECEIVER)
    gateway = _marketplace_gateway(tenant, gateway_id, CREATE_RECEIVER)
    positions = _receiver_url_problems(body, site)
    if positions:
        raise errors.fail(400, CREATE_RECEIVER, *positions)
    data = {
        "website_id": website_id,
        "name": body["name"],
        "email": body["email"],
        "notify_url": body["notify_url"],
        "return_url": body["return_url"],
        "gateways": [],
        "requested_gateway": gateway.id,
    }
    ids = rt.ids.scoped(NAME, tenant.id)
    receiver_id = models.new_number(rt.store, ids, tenant, RECEIVER)
    return Draft(RECEIVER, receiver_id, data, parent=website_id)


def build_receiver(rt: Runtime, tenant: Tenant, body: Mapping[str, Any], _now: int) -> Draft:
    """Scenario fixtures and the control API: a receiver from a step-1 body (`website_id`
    and `gateway_id` folded in); the fixture's `state: connected` connects its account on
    that gateway (with the receiver's IPN)."""
    fields = {k: v for k, v in body.items() if k not in RECEIVER_PATH_FIELDS}
    return draft_receiver(rt, tenant, str(body["website_id"]), str(body["gateway_id"]), fields)


async def create_receiver_account(
    merchant_id: str,
    website_id: str,
    gateway_id: str,
    body: dict[str, Any],
    token_info: dict[str, Any],
) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, CREATE_RECEIVER)
    with rt.store.transaction():  # the id counter and the receiver commit together
        draft = draft_receiver(rt, tenant, website_id, gateway_id, body)
        record = rt.engine.create(
            NAME, tenant.id, RECEIVER, draft.id, draft.data, parent=draft.parent
        )
    gateway_number = record.data["requested_gateway"]
    callback = models.hosted_url(_base_url(rt), rt.ids, record, str(gateway_number))
    return models.receiver_view(record, tenant, [gateway_number], callback), 200


async def connect_receiver_account(
    merchant_id: str,
    website_id: str,
    gateway_id: str,
    receiver_id: str,
    body: dict[str, Any],
    token_info: dict[str, Any],
) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, RECEIVERS)
    site = _website(tenant, website_id, RECEIVERS)
    gateway = _marketplace_gateway(tenant, gateway_id, RECEIVERS)
    record = _receiver(rt, tenant, website_id, receiver_id, RECEIVERS)
    positions = _receiver_url_problems(body, site)
    if positions:
        raise errors.fail(400, RECEIVERS, *positions)
    changes = {k: body[k] for k in ("name", "email", "notify_url", "return_url") if k in body}
    try:
        record = rt.engine.apply(
            NAME,
            tenant.id,
            RECEIVER,
            receiver_id,
            "connect",
            changes=changes,
            params={"gateway_id": gateway.id},
        )
    except IllegalTransition:
        raise errors.not_found(RECEIVERS, "receiver") from None
    return models.receiver_view(record, tenant, record.data["gateways"]), 200


def _receiver_list(
    merchant_id: str,
    website_id: str,
    receiver_id: str,
    token_info: dict[str, Any],
    page: int,
    gateway_id: str | None,
) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, RECEIVER_LISTING)
    _website(tenant, website_id, RECEIVER_LISTING)
    path = f"/merchants/{merchant_id}/websites/{website_id}"
    if gateway_id is not None:
        _marketplace_gateway(tenant, gateway_id, RECEIVER_LISTING)
        path += f"/gateways/{gateway_id}"
    record = _receiver(rt, tenant, website_id, receiver_id, RECEIVER_LISTING)
    connected = [g for g in record.data["gateways"] if gateway_id is None or str(g) == gateway_id]
    body = models.receiver_view(record, tenant, list(paging.window(connected, page)))
    body["_metadata"] = paging.metadata(
        f"{path}/receiver_accounts/{receiver_id}", page, len(connected)
    )
    return body, 200


async def list_receiver_accounts(
    merchant_id: str,
    website_id: str,
    receiver_id: str,
    token_info: dict[str, Any],
    page: int = 1,
) -> Response:
    return _receiver_list(merchant_id, website_id, receiver_id, token_info, page, None)


async def list_gateway_receiver_accounts(
    merchant_id: str,
    website_id: str,
    gateway_id: str,
    receiver_id: str,
    token_info: dict[str, Any],
    page: int = 1,
) -> Response:
    return _receiver_list(merchant_id, website_id, receiver_id, token_info, page, gateway_id)


def _delete_receiver(
    merchant_id: str,
    website_id: str,
    receiver_id: str,
    token_info: dict[str, Any],
    gateway_id: str | None,
) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, RECEIVERS)
    _website(tenant, website_id, RECEIVERS)
    if gateway_id is not None:
        _marketplace_gateway(tenant, gateway_id, RECEIVERS)
    record = _receiver(rt, tenant, website_id, receiver_id, RECEIVERS)
    try:
        if gateway_id is not None and len(record.data["gateways"]) > 1:
            # Only this gateway's account goes; the receiver keeps the others.
            if int(gateway_id) not in record.data["gateways"]:
                raise errors.not_found(RECEIVERS, "receiver")
            rest = [g for g in record.data["gateways"] if g != int(gateway_id)]
            rt.engine.apply(
                NAME, tenant.id, RECEIVER, receiver_id, "disconnect", changes={"gateways": rest}
            )
        else:
            rt.engine.apply(NAME, tenant.id, RECEIVER, receiver_id, "delete")
    except IllegalTransition:
        raise errors.not_found(RECEIVERS, "receiver") from None
    return {"status": "success", "error": errorbits.success()}, 200


async def delete_receiver_account(
    merchant_id: str, website_id: str, receiver_id: str, token_info: dict[str, Any]
) -> Response:
    return _delete_receiver(merchant_id, website_id, receiver_id, token_info, None)


async def delete_gateway_receiver_account(
    merchant_id: str,
    website_id: str,
    gateway_id: str,
    receiver_id: str,
    token_info: dict[str, Any],
) -> Response:
    return _delete_receiver(merchant_id, website_id, receiver_id, token_info, gateway_id)


# -- payments ------------------------------------------------------------------------------


def _buyer(body: Mapping[str, Any]) -> dict[str, str]:
    fields = ("email", "address", "city", "state", "country", "phone", "zip_code")
    return {k: str(body[f"buyer_{k}"]) for k in fields if f"buyer_{k}" in body}


def _payment_problems(
    rt: Runtime,
    tenant: Tenant,
    gateway: Gateway,
    site: Mapping[str, Any],
    action: str,
    body: Mapping[str, Any],
) -> tuple[list[int], Record | None]:
    """Every bit the request sets (none: it may go ahead), and the vault it names."""
    positions: list[int] = []
    if not gateway.supports(action):
        positions.append(28)
    currency = body.get("currency_code") or body.get("currency")
    if not currency:
        positions.append(4)
    elif not any(currency.upper() in f["currencies"] for f in gateway.features):
        positions.append(12)
    amount = Decimal(body["amount"])
    if amount <= 0 or (
        gateway.maximum_payable_amount is not None and amount > gateway.maximum_payable_amount
    ):
        positions.append(11)
    positions += _vars_problems(body, 26, 27)
    if _signature_wrong(tenant, body):
        positions.append(14)
    positions += _url_problems(body, site, {"cancel_url": 15, "success_url": 16, "notify_url": 17})
    if not catalogue.is_iso2(body["buyer_country"]):
        positions.append(45)
    vault = None
    if gateway.takes_cards:
        if body.get("vault_key"):
            vault = _vault_by_key(rt, tenant, str(body["vault_key"]))
            if vault is None:
                positions.append(47)
        elif not all(body.get(f) for f in CARD_FIELDS):
            positions.append(46)
        elif not models.luhn_ok(str(body["credit_card_number"])):
            positions.append(41)
    if gateway.needs_payment_note and not body.get("payment_note"):
        positions.append(21)
    if gateway.kind == "offsite":
        if not body.get("success_url"):
            positions.append(39)
        if not body.get("cancel_url"):
            positions.append(40)
    return positions, vault


@dataclass(frozen=True)
class Flavour:
    """What tells a marketplace (split) payment from a simple one, as data (seed 001:
    "Simple Payments" / "Marketplace Payments"): the action names' prefix and who pays the
    fees when the request does not say ("Default is merchant" / "Default is receiver")."""

    prefix: str
    fees_payer_field: str
    default_fees_payer: str

    @property
    def marketplace(self) -> bool:
        """Whether payments of this flavour split the money with a receiver."""
        return bool(self.prefix)


SIMPLE = Flavour("", "fees_payer", "merchant")
MARKETPLACE = Flavour("Marketplace-", "marketplace_fees_payer", "receiver")


@dataclass(frozen=True)
class PaymentAction:
    """One documented payment operation: the simple action it performs and its flavour."""

    simple: str  # Auth, Capture (new payments); Auth-Capture, Void, Refund (on a payment)
    flavour: Flavour

    @property
    def label(self) -> str:
        """The action as the seed names it: `Auth`, `Marketplace-Auth`."""
        return self.flavour.prefix + self.simple


# operationId → action; `auth` / `capture` create a payment, the others act on one.
CREATING = {
    "auth": PaymentAction("Auth", SIMPLE),
    "capture": PaymentAction("Capture", SIMPLE),
    "marketplace_auth": PaymentAction("Auth", MARKETPLACE),
    "marketplace_capture": PaymentAction("Capture", MARKETPLACE),
}
ACTING = {
    "auth_capture": PaymentAction("Auth-Capture", SIMPLE),
    "void": PaymentAction("Void", SIMPLE),
    "refund": PaymentAction("Refund", SIMPLE),
    "marketplace_auth_capture": PaymentAction("Auth-Capture", MARKETPLACE),
    "marketplace_void": PaymentAction("Void", MARKETPLACE),
    "marketplace_refund": PaymentAction("Refund", MARKETPLACE),
}
TRANSITIONS = {"Auth-Capture": "auth_capture", "Void": "void", "Refund": "refund"}


def _marketplace_split(
    rt: Runtime, tenant: Tenant, gateway: Gateway, body: Mapping[str, Any], fees_payer: str
) -> tuple[list[int], zmoney.Split | None]:
    positions: list[int] = []
    receiver = _active(rt, tenant, RECEIVER, str(body["marketplace_receiver_id"]))
    if receiver is None or gateway.id not in receiver.data["gateways"]:
        positions.append(31)
    fixed = body.get("marketplace_fixed_merchant_amount")
    variable = body.get("marketplace_variable_merchant_amount")
    try:
        split = zmoney.split(
            Decimal(body["amount"]),
            Decimal(body["marketplace_receiver_amount"]),
            zmoney.FeeFormula.parse(gateway.fee_formula),
            fixed_merchant_amount=None if fixed is None else Decimal(fixed),
            variable_merchant_amount=None if variable is None else Decimal(variable),
            fees_payer=fees_payer,
        )
    except zmoney.SplitError as problem:
        return positions + list(problem.positions), None
    return positions, split


def _marketplace_block(body: Mapping[str, Any], split: zmoney.Split) -> dict[str, Any]:
    """The stored `marketplace` block of a split payment."""
    return {
        "receiver_id": str(body["marketplace_receiver_id"]),
        "receiver_amount": models.money(split.receiver_amount),
        "fees_payer": split.fees_payer,
        "fixed_merchant_amount": (
            "" if split.fixed_merchant_amount is None else models.money(split.fixed_merchant_amount)
        ),
        "variable_merchant_amount": (
            "" if split.variable_merchant_amount is None else str(split.variable_merchant_amount)
        ),
    }


def draft_payment(
    rt: Runtime,
    tenant: Tenant,
    gateway_id: str,
    body: Mapping[str, Any],
    action: PaymentAction,
) -> tuple[Draft, str]:
    """A new payment from a request body (checked as the API checks it), and the transition
    that moves it out of `created`: authorize, capture, initiate (offsite) or decline."""
    gateway = _gateway(tenant, gateway_id, PAYMENTS)
    site = catalogue.website(tenant.id, str(body["website_id"]))
    if site is None:
        raise errors.fail(404, PAYMENTS, 9)
    positions, vault = _payment_problems(rt, tenant, gateway, site, action.label, body)
    flavour = action.flavour
    fees_payer = body.get(flavour.fees_payer_field, flavour.default_fees_payer)
    split = None
    if flavour.marketplace:
        more, split = _marketplace_split(rt, tenant, gateway, body, fees_payer)
        positions += more
    if fees_payer == "buyer" and (
        body.get("buyer_fees_payer_confirmation_token") != gateway.confirmation_token
    ):
        positions.append(44)
    if positions:
        raise errors.fail(400, PAYMENTS, *positions)
    amount = zmoney.cents(Decimal(body["amount"]))
    if split is not None:
        total = split.buyer_total
    else:
        formula = zmoney.FeeFormula.parse(gateway.fee_formula)
        total = zmoney.charge(amount, formula, fees_payer).buyer_total
    card = str(body.get("credit_card_number", ""))
    declined = card == models.DECLINED_CARD or bool(vault and vault.data.get("declines"))
    data: dict[str, Any] = {
        "website_id": site["id"],
        "gateway_id": gateway.id,
        "amount": models.money(total),
        "original_amount": models.money(amount),
        "currency_code": str(body.get("currency_code") or body.get("currency")).upper(),
        "item_name": body["item_name"],
        "item_description": body["item_description"],
        "buyer": _buyer(body),
        "requested": action.simple,
        "action": action.label,
        "fees_payer": fees_payer,
        "fee_formula": gateway.fee_formula,
        "notify_url": body.get("notify_url"),
        "success_url": body.get("success_url"),
        "cancel_url": body.get("cancel_url"),
        "x_vars": models.variables(body, "x-"),
        "z_vars": models.variables(body, "z-"),
        "histories": [],
        "marketplace": None if split is None else _marketplace_block(body, split),
    }
    if card:
        data["card_last4"] = card[-4:]
    if vault is not None:
        data["vault_id"] = vault.id
    if declined:
        transition = "decline"
    elif gateway.kind == "offsite":
        transition = "initiate"
    else:
        transition = "authorize" if action.simple == "Auth" else "capture"
    payment_id = models.new_number(rt.store, rt.ids.scoped(NAME, tenant.id), tenant, PAYMENT)
    return Draft(PAYMENT, payment_id, data, parent=site["id"]), transition


def build_payment(rt: Runtime, tenant: Tenant, body: Mapping[str, Any], _now: int) -> Draft:
    """Scenario fixtures and the control API: a payment (a capture, or a marketplace
    capture when the body names a receiver) left in `created`; the fixture's `state` walks
    it on (`authorized`, `captured`, `voided`, `refunded` with a marketplace payment's
    `refunded_from`, `initiated` on an offsite gateway, `error`)."""
    fields = {k: v for k, v in body.items() if k not in PAYMENT_PATH_FIELDS}
    operation = "marketplace_capture" if "marketplace_receiver_id" in body else "capture"
    if operation != "capture":
        # The runtime checked the body against capture's schema (the kind's operation);
        # a split payment answers to marketplace-capture's as well.
        problems = request_problems(NAME, operation, body)
        if problems:
            raise BodyProblems(problems)
    draft, _transition = draft_payment(
        rt, tenant, str(body["gateway_id"]), fields, CREATING[operation]
    )
    return draft


async def _create_payment(
    action: PaymentAction,
    merchant_id: str,
    gateway_id: str,
    body: dict[str, Any],
    token_info: dict[str, Any],
) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, PAYMENTS)
    with rt.store.transaction():  # the id counter and the payment commit together
        draft, transition = draft_payment(rt, tenant, gateway_id, body, action)
        rt.engine.create(NAME, tenant.id, PAYMENT, draft.id, draft.data, parent=draft.parent)
        record = rt.engine.apply(NAME, tenant.id, PAYMENT, draft.id, transition)
    status = 402 if record.state == "error" else 200
    return models.payment_result(record, _base_url(rt), rt.ids), status


async def _act(
    action: PaymentAction,
    merchant_id: str,
    gateway_id: str,
    payment_id: str,
    body: dict[str, Any],
    token_info: dict[str, Any],
) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, PAYMENTS)
    gateway = _gateway(tenant, gateway_id, PAYMENTS)
    record = rt.store.get(NAME, tenant.id, PAYMENT, payment_id)
    if record is None or record.data["gateway_id"] != gateway.id:
        raise errors.not_found(PAYMENTS, "payment")
    positions = []
    if _signature_wrong(tenant, body):
        positions.append(14)
    if not record.data.get("paykey") or str(body["paykey"]) != record.data["paykey"]:
        positions.append(41)
    if not gateway.supports(action.label):
        positions.append(28)
    if positions:
        raise errors.fail(400, PAYMENTS, *positions)
    if bool(record.data.get("marketplace")) != action.flavour.marketplace:
        raise errors.fail(409, PAYMENTS, 13)
    try:
        record = rt.engine.apply(NAME, tenant.id, PAYMENT, payment_id, TRANSITIONS[action.simple])
    except IllegalTransition as refused:
        uncaptured = refused.record.state not in ("captured", "refunded")
        refund = action.simple == "Refund"
        raise errors.fail(409, PAYMENTS, 13 if refund and uncaptured else 20) from None
    return models.payment_result(
        record, _base_url(rt), rt.ids, with_paykey=action.simple == "Auth-Capture"
    ), 200


def _creating(operation_id: str) -> Callable[..., Awaitable[Response]]:
    """The handler of an operation that creates a payment (its action from CREATING)."""
    action = CREATING[operation_id]

    async def handler(
        merchant_id: str, gateway_id: str, body: dict[str, Any], token_info: dict[str, Any]
    ) -> Response:
        return await _create_payment(action, merchant_id, gateway_id, body, token_info)

    return _named(handler, operation_id, f"{action.label}: a new payment.")


def _acting(operation_id: str) -> Callable[..., Awaitable[Response]]:
    """The handler of an operation on a payment (its action from ACTING)."""
    action = ACTING[operation_id]

    async def handler(
        merchant_id: str,
        gateway_id: str,
        payment_id: str,
        body: dict[str, Any],
        token_info: dict[str, Any],
    ) -> Response:
        return await _act(action, merchant_id, gateway_id, payment_id, body, token_info)

    return _named(handler, operation_id, f"{action.label} on a payment (paykey required).")


def _named(function: Any, operation_id: str, doc: str) -> Any:
    function.__name__ = function.__qualname__ = operation_id
    function.__doc__ = doc
    return function


auth = _creating("auth")
capture = _creating("capture")
marketplace_auth = _creating("marketplace_auth")
marketplace_capture = _creating("marketplace_capture")
auth_capture = _acting("auth_capture")
void = _acting("void")
refund = _acting("refund")
marketplace_auth_capture = _acting("marketplace_auth_capture")
marketplace_void = _acting("marketplace_void")
marketplace_refund = _acting("marketplace_refund")


# -- payment details and listing -----------------------------------------------------------

DETAILS = "payment_details"


def _details(
    rt: Runtime, tenant: Tenant, record: Record, ipn: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Payment details: the record's rendering, made once per version, with its IPN block
    (which deliveries change without changing the payment)."""
    body = record.rendered(("details", tenant.id), lambda: models.payment_details(record, tenant))
    if ipn is None:
        ipn = ipn_summaries(rt, [record]).get(record.id)
    # Rendered with no IPN sent yet, which is what most rows say.
    return {**body, "ipn": models.ipn_block(ipn)} if ipn else body


def ipn_summary(rt: Runtime, record: Record) -> dict[str, Any] | None:
    """count / latest attempt of the resource's IPN deliveries (None before any)."""
    return ipn_summaries(rt, [record]).get(record.id)


def ipn_summaries(rt: Runtime, records: Sequence[Record]) -> dict[str, dict[str, Any]]:
    """`ipn_summary` of several resources of one tenant, their deliveries read at once (a
    listing page asks for twenty)."""
    if not records:
        return {}
    tenant = records[0].tenant
    by_resource: dict[str, list[Delivery]] = {}
    for found in rt.store.deliveries(
        provider=NAME, resource_id=[r.id for r in records], limit=1000 * len(records)
    ):
        if found.tenant == tenant and found.attempts:
            by_resource.setdefault(found.resource_id, []).append(found)
    summaries = {}
    for resource_id, deliveries in by_resource.items():
        latest = max(deliveries, key=lambda d: d.seq)
        attempt_list = rt.store.attempts(latest.id)
        if not attempt_list:
            continue
        last = attempt_list[-1]
        ok = last.status_code is not None and 200 <= last.status_code < 300
        summaries[resource_id] = {
            "count": sum(d.attempts for d in deliveries),
            "date": models.ist(last.at),
            "status": "Sent" if ok else "Failed",
        }
    return summaries


async def get_payment(
    merchant_id: str, gateway_id: str, payment_id: str, token_info: dict[str, Any]
) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, DETAILS)
    record = rt.store.get(NAME, tenant.id, PAYMENT, payment_id)
    if (
        record is None
        or record.data["gateway_id"] != int(gateway_id)
        or (record.state == "created")
    ):
        raise errors.not_found(DETAILS, "payment")
    return _details(rt, tenant, record), 200


async def get_payment_without_gateway(
    merchant_id: str, payment_id: str, token_info: dict[str, Any]
) -> Response:
    rt = current()
    tenant = _tenant(rt, merchant_id, token_info, DETAILS)
    record = rt.store.get(NAME, tenant.id, PAYMENT, payment_id)
    if record is None or record.state == "created":
        raise errors.not_found(DETAILS, "payment")
    return _details(rt, tenant, record), 200


async def list_payments(
    merchant_id: str, token_info: dict[str, Any], website_id: str | None = None, page: int = 1
) -> Response:
    rt = current()
    table = "payments_listing"
    tenant = _tenant(rt, merchant_id, token_info, table)
    if website_id is not None:
        _website(tenant, website_id, table)
    result = rt.store.query(
        NAME,
        tenant.id,
        PAYMENT,
        where={"parent": website_id},
        limit=paging.PAGE_SIZE,
        offset=(page - 1) * paging.PAGE_SIZE,
    )
    path = f"/merchants/{merchant_id}/payments"
    ipn = ipn_summaries(rt, result.records)
    return {
        "_metadata": paging.metadata(path, page, result.total, {"website_id": website_id}),
        "payments": [_details(rt, tenant, r, ipn.get(r.id, {})) for r in result.records],
        "error": errorbits.success(),
    }, 200
