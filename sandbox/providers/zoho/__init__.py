"""Zoho Payments (seed 004): the payment object, retrieve one payment, list payments."""

from pathlib import Path

from sandbox.providers.base import Provider
from sandbox.providers.zoho import auth, effects, errors, handlers, models, seed

PROVIDER = Provider(
    name="zoho",
    title="Zoho Payments",
    handlers=handlers,
    authenticate=auth.authenticate,
    render_error=errors.render,
    default_tenants=seed.DEFAULT_TENANTS,
    seed=seed.seed,
    auth_hint=errors.AUTH_HINT,
    lifecycle=Path(__file__).with_name("lifecycle.yaml"),
    effects=effects.EFFECTS,
    builders=models.BUILDERS,
    creates={models.PAYMENT: None},  # a read-only API: made through the control API
    client_headers=auth.client_headers,
    indexes={models.PAYMENT: ("method",)},
)
