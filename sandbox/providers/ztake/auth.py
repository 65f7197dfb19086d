"""ZTake authentication: vendor JWTs from the login (dashboard operations) and permanent
`pk_` secret keys (server-to-server operations), both as `Authorization: Bearer ...`.

JWTs are real HS256 tokens (PyJWT) signed with a key derived from the vendor's own secret
key (a sandbox choice: tokens survive restarts, and a client holding the vendor's test
credentials can mint one, as the contract runner and scenario steps do); `iat`/`exp` come
from the sandbox clock and expiry is checked against it, not wall time, so advancing the
clock past `exp` makes a token answer 401."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any, Callable, Mapping

import jwt

from sandbox.context import current
from sandbox.providers.base import ClientCredentials, ClientRequest, Tenant
from sandbox.providers.ztake import errors

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

NAME = "ztake"
ALGORITHM = "HS256"
ISSUER = "ztake-sandbox"
TOKEN_LIFETIME_S = 3600  # sandbox choice, recorded in the spec
SECRET_KEY_PREFIX = "pk_"
WANTS_JWT = "a vendor JWT from POST /api/auth/login"
WANTS_KEY = "the vendor's secret key (pk_...)"


def _same(expected: str, given: str) -> bool:
    # Bytes, because compare_digest refuses non-ASCII str and a header may carry anything.
    return hmac.compare_digest(expected.encode(), given.encode())


def signing_secret(tenant: Tenant) -> str:
    """The key the vendor's JWTs are signed with."""
    return hashlib.sha256(f"ztake-jwt:{tenant.credentials['secret_key']}".encode()).hexdigest()


def mint_token(rt: "Runtime", tenant: Tenant) -> str:
    """A vendor JWT for `tenant`, issued now on the sandbox clock."""
    return mint_at(tenant, rt.clock.now_ms())


def mint_at(tenant: Tenant, now_ms: int) -> str:
    """A vendor JWT for `tenant` issued at `now_ms` (sandbox time)."""
    issued = now_ms // 1000
    claims = {
        "sub": tenant.id,
        "email": tenant.credentials["email"],
        "iss": ISSUER,
        "iat": issued,
        "exp": issued + TOKEN_LIFETIME_S,
    }
    return jwt.encode(claims, signing_secret(tenant), algorithm=ALGORITHM)


def jwt_headers(rt: "Runtime", tenant: Tenant) -> dict[str, str]:
    """What a vendor dashboard of `tenant` sends (a freshly minted JWT)."""
    return {"Authorization": f"Bearer {mint_token(rt, tenant)}"}


def client_headers(tenant: Tenant) -> dict[str, str]:
    """What a server-to-server client of `tenant` sends: its secret key."""
    return {"Authorization": f"Bearer {tenant.credentials['secret_key']}"}


# Dashboard operations take the vendor JWT (specs/ztake.yaml, `VendorJwt`); the others the
# pk_ key or nothing.
_JWT_OPERATIONS = {
    ("GET", "/api/vendor/"),
    ("GET", "/api/v2/chat/config"),
    ("POST", "/api/v2/chat/config"),
}


def client_auth(tenant: Tenant, request: ClientRequest) -> ClientCredentials:
    """A freshly minted JWT for the dashboard operations, the secret key for the rest."""
    wants_jwt = any(
        request.method == method and request.path.startswith(prefix)
        for method, prefix in _JWT_OPERATIONS
    )
    if not wants_jwt:
        return ClientCredentials(headers=client_headers(tenant))
    return ClientCredentials(
        headers={"Authorization": f"Bearer {mint_at(tenant, request.now_ms())}"}
    )


def login(rt: "Runtime", email: str, password: str) -> str:
    """A JWT for the vendor with these dashboard credentials; 401 otherwise."""
    for tenant in rt.tenants[NAME]:
        credentials = tenant.credentials
        if credentials["email"].lower() == email.lower() and _same(
            credentials["password"], password
        ):
            return mint_token(rt, tenant)
    raise errors.unauthorized("Invalid email or password.", "invalid_credentials")


def _limit(rt: "Runtime", tenant: Tenant, credential: str) -> None:
    """The tenant's configured per-key rate limit (profile `rate_limit: {limit, per}`)."""
    retry_after = rt.tenant_rate_limit(NAME, tenant, credential)
    if retry_after is not None:
        raise errors.rate_limited(retry_after)


def verify_jwt(token: str) -> dict[str, Any]:
    """Token info for a valid, unexpired vendor JWT; a 401 saying what is wrong otherwise."""
    if token.startswith(SECRET_KEY_PREFIX):
        raise errors.wrong_credential(WANTS_JWT, "a pk_ secret key")
    rt = current()
    try:
        # Whose key signed it is read from the token first; the signature then decides.
        subject = jwt.decode(token, options={"verify_signature": False}).get("sub")
        tenant = rt.tenant(NAME, str(subject))
    except (jwt.PyJWTError, KeyError):
        raise errors.unauthorized("Invalid token (not a vendor token).", "invalid_token") from None
    try:
        claims = jwt.decode(
            token,
            signing_secret(tenant),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            # PyJWT would compare exp/iat with wall time; the sandbox clock decides below.
            options={
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "require": ["sub", "iat", "exp"],
            },
        )
    except jwt.PyJWTError as exc:
        raise errors.unauthorized(f"Invalid token ({exc}).", "invalid_token") from None
    exp = claims["exp"]
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise errors.unauthorized("Invalid token (exp is not a number).", "invalid_token")
    if rt.clock.now_ms() // 1000 >= exp:
        raise errors.unauthorized(
            "The token has expired; log in again with POST /api/auth/login.", "token_expired"
        )
    _limit(rt, tenant, "jwt")
    return {"sub": tenant.id, "tenant": tenant.id, "credential": "jwt"}


def verify_secret_key(token: str) -> dict[str, Any]:
    """Token info for a known pk_ secret key; a 401 saying what is wrong otherwise."""
    if not token.startswith(SECRET_KEY_PREFIX):
        if token.count(".") == 2:
            raise errors.wrong_credential(WANTS_KEY, "a login JWT")
        raise errors.unauthorized("Invalid secret key; secret keys begin with pk_.")
    rt = current()
    for tenant in rt.tenants[NAME]:
        if _same(tenant.credentials["secret_key"], token):
            _limit(rt, tenant, "secret_key")
            return {"sub": tenant.id, "tenant": tenant.id, "credential": "secret_key"}
    raise errors.unauthorized("Unknown secret key.", "invalid_secret_key")


def authenticate(scheme: Mapping[str, Any]) -> Callable[[str], dict[str, Any]]:
    """VendorJwt (bearerFormat JWT) or SecretKey: both are bearer schemes of the spec."""
    return verify_jwt if scheme.get("bearerFormat") == "JWT" else verify_secret_key
