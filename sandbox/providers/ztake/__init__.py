"""ZTake (seed 000): UPI confirmation by UTR, checkout orders, payouts and ZiBot."""

from pathlib import Path

from sandbox.providers.base import Provider
from sandbox.providers.ztake import (
    auth,
    effects,
    errors,
    handlers,
    models,
    pages,
    seed,
    triggers,
    webhooks,
)

PROVIDER = Provider(
    name="ztake",
    title="ZTake",
    handlers=handlers,
    authenticate=auth.authenticate,
    render_error=errors.render,
    default_tenants=seed.DEFAULT_TENANTS,
    seed=seed.seed,
    auth_hint=errors.AUTH_HINT,
    lifecycle=Path(__file__).with_name("lifecycle.yaml"),
    effects=effects.EFFECTS,
    builders=models.BUILDERS,
    creates={models.ORDER: "create_order", models.PAYOUT: None},
    client_headers=auth.client_headers,
    client_auth=auth.client_auth,
    pages=pages.blueprint,
    webhooks=webhooks.WEBHOOKS,
    triggers=triggers.TRIGGERS,
)
