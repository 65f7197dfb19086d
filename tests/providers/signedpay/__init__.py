"""Signed Pay: a provider of the test suite whose clients must sign every request."""

from pathlib import Path
from typing import Any

from sandbox.errors import ApiError
from sandbox.providers.base import Provider, Tenant
from tests.providers.signedpay import handlers, signing


def _render(err: ApiError) -> tuple[dict[str, Any], int]:
    return {"error": {"code": err.code, "message": err.message}}, err.status


PROVIDER = Provider(
    name=signing.NAME,
    title="Signed Pay",
    handlers=handlers,
    authenticate=lambda _scheme: None,
    render_error=_render,
    default_tenants=(
        Tenant("m_one", "Merchant One", {"secret": "sp_secret_one"}),
        Tenant("m_two", "Merchant Two", {"secret": "sp_secret_two"}),
    ),
    seed=lambda _runtime, _tenant: None,
    client_auth=signing.client_auth,
    spec=Path(__file__).with_name("spec.yaml"),
)
