"""Zaakpay (seed 003): the settlement report by UTR date, HMAC-SHA256 checksum, two calls an
hour."""

from pathlib import Path

from sandbox.providers.base import Provider
from sandbox.providers.zaakpay import auth, effects, errors, handlers, models, seed

PROVIDER = Provider(
    name="zaakpay",
    title="Zaakpay settlement",
    handlers=handlers,
    authenticate=lambda _scheme: None,  # no security scheme: the checksum is in the body
    render_error=errors.render,
    default_tenants=seed.DEFAULT_TENANTS,
    seed=seed.seed,
    auth_hint=errors.AUTH_HINT,
    client_auth=auth.client_auth,
    lifecycle=Path(__file__).with_name("lifecycle.yaml"),
    effects=effects.EFFECTS,
    builders=models.BUILDERS,
    creates={models.TRANSACTION: None},  # a read-only API: made through the control API
    indexes={models.TRANSACTION: ("settlement_date",)},
)
