"""ZazPay's default tenants (DESIGN.md) and the seeded history each starts with: payments in
every status with consistent `payment_histories`, vaults, receivers and a subscription."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sandbox.lifecycle import EffectContext
from sandbox.providers.base import Tenant
from sandbox.providers.zazpay import catalogue, effects, models, periods
from sandbox.providers.zazpay import money as zmoney
from sandbox.providers.zazpay.models import NAME, PAYMENT, RECEIVER, SUBSCRIPTION, VAULT
from sandbox.store import Record

if TYPE_CHECKING:
    from faker import Faker

    from sandbox.runtime import Runtime

DEFAULT_TENANTS = (
    Tenant(
        id="9418",
        name="Fred Barley",
        credentials={
            "merchant_id": "9418",
            "api_key": "zazpay_test_key",
            "signature_secret": "zazpay_test_secret",
            "website_id": "123456",
        },
        profile={
            "websites": ["123456"],
            "id_bases": {PAYMENT: 8500, VAULT: 25, RECEIVER: 12433, SUBSCRIPTION: 209},
        },
    ),
    Tenant(
        id="9419",
        name="Asha Traders",
        credentials={
            "merchant_id": "9419",
            "api_key": "zazpay_test_key_2",
            "signature_secret": "zazpay_test_secret_2",
            "website_id": "223456",
        },
        profile={
            "websites": ["223456"],
            "id_bases": {PAYMENT: 93000, VAULT: 610, RECEIVER: 52000, SUBSCRIPTION: 710},
        },
    ),
)

MINUTE = 60_000
DAY = 24 * 60 * MINUTE
CARD_GATEWAY = 2504  # every simple and marketplace action
OFFSITE_GATEWAY = 1
# (final status, the steps that led there: (transition effect, minutes after creation))
HISTORIES: tuple[tuple[str, str, tuple[tuple[str, int], ...]], ...] = (
    ("authorized", "Auth", (("auth", 0),)),
    ("captured", "Capture", (("capture", 0),)),
    ("captured", "Auth", (("auth", 0), ("auth_capture", 90))),
    ("voided", "Auth", (("auth", 0), ("void", 45))),
    ("refunded", "Capture", (("capture", 0), ("refund", 3 * 24 * 60))),
    ("refunded", "Auth", (("auth", 0), ("auth_capture", 30), ("refund", 2 * 24 * 60))),
    ("error", "Capture", (("declined", 0),)),
    ("canceled", "Capture", (("initiated", 0), ("buyer_canceled", 6))),
)


def seed(rt: "Runtime", tenant: Tenant) -> None:
    """Two weeks of payments in every status, stored cards, receivers and a subscription."""
    fake = rt.faker(NAME, tenant.id)
    start = rt.clock.start_ms
    website = tenant.profile["websites"][0]
    ids = rt.ids.scoped(NAME, tenant.id)
    receiver = _receiver(rt, tenant, fake, website, start - 20 * DAY, [CARD_GATEWAY])
    _receiver(rt, tenant, fake, website, start - 19 * DAY, [])
    for user in range(2):
        _vault(rt, tenant, fake, website, start - (18 - user) * DAY, f"user_{user + 1}")
    created = sorted(start - fake.random_int(DAY, 14 * DAY) for _ in HISTORIES)
    for at, (state, requested, steps) in zip(created, HISTORIES):
        gateway = OFFSITE_GATEWAY if steps[0][0] == "initiated" else CARD_GATEWAY
        _payment(rt, tenant, fake, website, gateway, at, state, requested, steps, None)
    # A marketplace payment captured and then refunded, and one held for authorization.
    for at, state, requested, steps in (
        (start - 5 * DAY, "refunded", "Capture", (("capture", 0), ("refund", 24 * 60))),
        (start - 2 * DAY, "authorized", "Auth", (("auth", 0),)),
    ):
        _payment(rt, tenant, fake, website, CARD_GATEWAY, at, state, requested, steps, receiver)
    # In flight at the start instant: awaiting the buyer offsite, and a pending one that the
    # gateway settles an hour into the run.
    _payment(
        rt,
        tenant,
        fake,
        website,
        OFFSITE_GATEWAY,
        start - 10 * MINUTE,
        "initiated",
        "Capture",
        (("initiated", 0),),
        None,
    )
    _payment(
        rt,
        tenant,
        fake,
        website,
        CARD_GATEWAY,
        start - 5 * MINUTE,
        "pending",
        "Capture",
        (("pending", 0),),
        None,
    )
    _subscription(rt, tenant, fake, website, start)
    del ids


def _buyer(fake: "Faker") -> dict[str, str]:
    return {
        "email": fake.free_email(),
        "address": fake.street_address(),
        "city": fake.city(),
        "state": fake.state(),
        "country": "IN",
        "phone": fake.numerify("9#########"),
        "zip_code": fake.postcode(),
    }


def _payment(
    rt: "Runtime",
    tenant: Tenant,
    fake: "Faker",
    website: str,
    gateway_id: int,
    created: int,
    state: str,
    requested: str,
    steps: tuple[tuple[str, int], ...],
    receiver: Record | None,
) -> None:
    gateway = catalogue.gateways()[gateway_id]
    ids = rt.ids.scoped(NAME, tenant.id)
    amount = Decimal(fake.random_int(10, 900))
    data: dict[str, Any] = {
        "website_id": website,
        "gateway_id": gateway_id,
        "amount": models.money(amount),
        "original_amount": models.money(amount),
        "currency_code": "USD",
        "item_name": f"Order #{fake.random_int(1000, 9999)}",
        "item_description": fake.sentence(nb_words=5),
        "buyer": _buyer(fake),
        "requested": requested,
        "action": requested,
        "fees_payer": "merchant",
        "fee_formula": gateway.fee_formula,
        "notify_url": None,
        "success_url": "https://example.com/success" if gateway.kind == "offsite" else None,
        "cancel_url": "https://example.com/cancel" if gateway.kind == "offsite" else None,
        "x_vars": {},
        "z_vars": {},
        "histories": [],
        "marketplace": None,
    }
    if gateway.takes_cards:
        data["card_last4"] = "0002" if state == "error" else "1111"
    if receiver is not None:
        share = zmoney.cents(amount * Decimal("0.8"))
        split = zmoney.split(
            amount,
            share,
            zmoney.FeeFormula.parse(gateway.fee_formula),
            fixed_merchant_amount=amount - share,
            fees_payer="receiver",
        )
        data["marketplace"] = {
            "receiver_id": receiver.id,
            "receiver_amount": models.money(split.receiver_amount),
            "fees_payer": "receiver",
            "fixed_merchant_amount": models.money(amount - share),
            "variable_merchant_amount": "",
        }
    payment_id = models.new_number(rt.store, ids, tenant, PAYMENT)
    record = Record(NAME, tenant.id, PAYMENT, payment_id, "created", data, created)
    for effect, minutes in steps:
        context = EffectContext(at=created + minutes * MINUTE, ids=ids)
        record = record.evolve(data={**record.data, **effects.EFFECTS[effect](record, context)})
    rt.engine.create(
        NAME,
        tenant.id,
        PAYMENT,
        payment_id,
        record.data,
        parent=website,
        created_at=created,
        state=state,
    )


def _vault(
    rt: "Runtime", tenant: Tenant, fake: "Faker", website: str, created: int, user: str
) -> None:
    ids = rt.ids.scoped(NAME, tenant.id)
    data = {
        "user_handle": user,
        "email": fake.free_email(),
        "credit_card_expire": "10/2030",
        "credit_card_name_on_card": fake.name(),
        "address": fake.street_address(),
        "city": fake.city(),
        "state": fake.state(),
        "country": "IN",
        "zip_code": fake.postcode(),
        "phone": fake.numerify("9#########"),
        "website_id": website,
        "vault_key": models.new_key(ids, "vault"),
        "last4": "1111",
        "credit_card_type": "visa",
        "declines": False,
    }
    vault_id = models.new_number(rt.store, ids, tenant, VAULT)
    rt.engine.create(
        NAME, tenant.id, VAULT, vault_id, data, parent=website, created_at=created, state="active"
    )


def _receiver(
    rt: "Runtime",
    tenant: Tenant,
    fake: "Faker",
    website: str,
    created: int,
    gateways: list[int],
) -> Record:
    ids = rt.ids.scoped(NAME, tenant.id)
    domain = catalogue.website(tenant.id, website)["domain_name"]  # type: ignore[index]
    data = {
        "website_id": website,
        "name": fake.name(),
        "email": fake.free_email(),
        "notify_url": f"https://{domain}/receivers/notify",
        "return_url": f"https://{domain}/receivers/return",
        "gateways": gateways,
        "requested_gateway": CARD_GATEWAY,
    }
    receiver_id = models.new_number(rt.store, ids, tenant, RECEIVER)
    return rt.engine.create(
        NAME,
        tenant.id,
        RECEIVER,
        receiver_id,
        data,
        parent=website,
        created_at=created,
        state="connected" if gateways else "initiated",
    )


def _subscription(rt: "Runtime", tenant: Tenant, fake: "Faker", website: str, created: int) -> None:
    """A monthly subscription approved at the start instant (so its daily checks do not
    fire in catch-up on the first request): its first period paid, the next charged as
    the clock reaches it."""
    ids = rt.ids.scoped(NAME, tenant.id)
    terms = {"a3": "15.00", "p3": "1", "t3": "M"}
    buyer = _buyer(fake)
    data = {
        "website_id": website,
        "gateway_id": OFFSITE_GATEWAY,
        "user_handle": "user_1",
        "item_name": "Monthly box",
        "item_description": "A box of goodies every month",
        "currency_code": "USD",
        "fees_payer": "merchant",
        "buyer": buyer,
        "terms": terms,
        "notify_url": None,
        "success_url": None,
        "cancel_url": None,
        "x_vars": {},
        "z_vars": {},
        "activated_at": created,
        "periods": 1,
        "next_charge_at": periods.add(created, 1, "M"),
    }
    subscription_id = models.new_number(rt.store, ids, tenant, SUBSCRIPTION)
    rt.engine.create(
        NAME,
        tenant.id,
        SUBSCRIPTION,
        subscription_id,
        data,
        parent=website,
        created_at=created,
        state="active",
    )
    gateway = catalogue.gateways()[OFFSITE_GATEWAY]
    payment = {
        "website_id": website,
        "gateway_id": OFFSITE_GATEWAY,
        "amount": "15.00",
        "original_amount": "15.00",
        "currency_code": "USD",
        "item_name": data["item_name"],
        "item_description": data["item_description"],
        "buyer": buyer,
        "requested": "Capture",
        "action": "Capture",
        "fees_payer": "merchant",
        "fee_formula": gateway.fee_formula,
        "notify_url": None,
        "success_url": None,
        "cancel_url": None,
        "x_vars": {},
        "z_vars": {},
        "histories": [],
        "marketplace": None,
        "subscription_id": subscription_id,
        "user_handle": data["user_handle"],
    }
    payment_id = models.new_number(rt.store, ids, tenant, PAYMENT)
    record = Record(NAME, tenant.id, PAYMENT, payment_id, "created", payment, created)
    payment.update(effects.EFFECTS["capture"](record, EffectContext(at=created, ids=ids)))
    rt.engine.create(
        NAME,
        tenant.id,
        PAYMENT,
        payment_id,
        payment,
        parent=website,
        created_at=created,
        state="captured",
    )
