"""Zwitch (seed 002): UPI collect, payments, Layer.js payment tokens and status checks."""

from pathlib import Path

from sandbox.providers.base import Provider
from sandbox.providers.zwitch import (
    auth,
    effects,
    errors,
    handlers,
    models,
    pages,
    seed,
    webhooks,
)

PROVIDER = Provider(
    name="zwitch",
    title="Zwitch",
    handlers=handlers,
    authenticate=auth.authenticate,
    render_error=errors.render,
    default_tenants=seed.DEFAULT_TENANTS,
    seed=seed.seed,
    auth_hint=errors.AUTH_HINT,
    lifecycle=Path(__file__).with_name("lifecycle.yaml"),
    effects=effects.EFFECTS,
    builders=models.BUILDERS,
    creates={models.COLLECT: "create_upi_collect", models.TOKEN: "create_payment_token"},
    client_headers=auth.client_headers,
    pages=pages.blueprint,
    webhooks=webhooks.WEBHOOKS,
)
