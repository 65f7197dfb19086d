"""ZazPay (seed 001): plan, gateways, websites, vaults, PayPal subscriptions, receiver
accounts, card payments and their marketplace variants, details and listing."""

from pathlib import Path

from sandbox.providers.base import Provider
from sandbox.providers.zazpay import (
    auth,
    effects,
    errors,
    handlers,
    pages,
    seed,
    triggers,
    webhooks,
)
from sandbox.providers.zazpay.models import PAYMENT, RECEIVER, SUBSCRIPTION, VAULT
from sandbox.representations import JSON, XML

PROVIDER = Provider(
    name="zazpay",
    title="ZazPay",
    handlers=handlers,
    authenticate=auth.authenticate,
    render_error=errors.render,
    default_tenants=seed.DEFAULT_TENANTS,
    seed=seed.seed,
    auth_hint=errors.AUTH_HINT,
    lifecycle=Path(__file__).with_name("lifecycle.yaml"),
    effects=effects.EFFECTS,
    builders={
        PAYMENT: handlers.build_payment,
        VAULT: handlers.build_vault,
        SUBSCRIPTION: handlers.build_subscription,
        RECEIVER: handlers.build_receiver,
    },
    # Fixture bodies are checked against these operations' request schemas (a marketplace
    # payment's against marketplace-capture's too, by its builder).
    creates={
        PAYMENT: "capture",
        VAULT: "create_vault",
        SUBSCRIPTION: "create_subscription",
        RECEIVER: "create_receiver_account",
    },
    client_headers=auth.client_headers,
    pages=pages.blueprint,
    representations=(JSON, XML),
    webhooks=webhooks.WEBHOOKS,
    triggers=triggers.TRIGGERS,
)
