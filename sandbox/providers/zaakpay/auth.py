"""How a client of the sandbox signs a Zaakpay request (the provider's `client_auth`): the
checksum of seed 003, computed over the body's own `merchantIdentifier` and `utr_date`."""

from __future__ import annotations

from sandbox.providers.base import ClientCredentials, ClientRequest, Tenant
from sandbox.providers.zaakpay.handlers import checksum


def client_auth(tenant: Tenant, request: ClientRequest) -> ClientCredentials:
    """The checksum field for `tenant`'s secret; the merchant identifier too when the body
    has none. A body without a textual `utr_date` (or a deliberately broken merchant
    identifier) is signed with nothing: the sandbox's answer to it is the point."""
    body = request.body if isinstance(request.body, dict) else {}
    merchant = body.get("merchantIdentifier", tenant.id)
    utr_date = body.get("utr_date")
    if not isinstance(merchant, str) or not isinstance(utr_date, str):
        return ClientCredentials()
    fields = {"checksum": checksum(tenant.credentials["secret_key"], merchant, utr_date)}
    if "merchantIdentifier" not in body:
        fields["merchantIdentifier"] = tenant.id
    return ClientCredentials(body_fields=fields)
