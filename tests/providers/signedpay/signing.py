"""How Signed Pay's checksum is computed: by its server and by its clients alike."""

from __future__ import annotations

import hashlib
import hmac

from sandbox.providers.base import ClientCredentials, ClientRequest, Tenant

NAME = "signedpay"


def checksum(secret: str, merchant_id: str, amount: object, timestamp: object) -> str:
    """Hex HMAC-SHA256 of `merchant_id,amount,timestamp`."""
    message = f"{merchant_id},{amount},{timestamp}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def client_auth(tenant: Tenant, request: ClientRequest) -> ClientCredentials:
    """Signs a charge for `tenant` at the sandbox's current time."""
    body = request.body if isinstance(request.body, dict) else {}
    now = request.now_ms()
    secret = tenant.credentials["secret"]
    return ClientCredentials(
        body_fields={
            "merchant_id": tenant.id,
            "timestamp": now,
            "checksum": checksum(secret, tenant.id, body.get("amount", ""), now),
        }
    )
