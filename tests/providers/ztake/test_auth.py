"""Both credentials as documented: real JWTs from the login that expire on the sandbox
clock, pk_ secret keys for server-to-server calls, and a clear 401 for the wrong kind."""

from __future__ import annotations

import jwt
import pytest

from sandbox.providers.ztake import auth
from tests.providers.ztake.conftest import KEY_A, LOGIN_A


def test_the_login_returns_a_signed_jwt_with_a_sandbox_clock_expiry(public, sb):
    response = public.post("/api/auth/login", json=LOGIN_A)
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and set(body) == {"success", "token"}
    claims = jwt.decode(
        body["token"],
        auth.signing_secret(sb.runtime.tenant("ztake", "ZV1001")),
        algorithms=["HS256"],
        options={"verify_exp": False},
    )
    assert claims["sub"] == "ZV1001" and claims["email"] == "vendor@techmart.test"
    assert claims["iat"] == 1705312800  # 2024-01-15T10:00:00Z, the frozen sandbox clock
    assert claims["exp"] == claims["iat"] + 3600


@pytest.mark.parametrize(
    "body",
    [
        {"email": "vendor@techmart.test", "password": "wrong"},
        {"email": "nobody@techmart.test", "password": "sandbox"},
    ],
)
def test_a_wrong_login_is_a_401(public, body):
    response = public.post("/api/auth/login", json=body)
    assert response.status_code == 401
    assert response.json()["error"] == "Invalid email or password."
    assert response.json()["code"] == "invalid_credentials"


def test_a_jwt_works_until_the_sandbox_clock_passes_its_expiry(sb, dashboard):
    assert dashboard.get("/api/vendor/payment-info").status_code == 200
    sb.advance(3599)
    assert dashboard.get("/api/vendor/payment-info").status_code == 200
    sb.advance(1)
    expired = dashboard.get("/api/vendor/payment-info")
    assert expired.status_code == 401
    assert expired.json()["code"] == "token_expired"
    assert "log in again" in expired.json()["error"]


def test_a_pk_key_on_a_jwt_endpoint_says_which_credential_it_wants(client_for):
    response = client_for("ztake", KEY_A).get("/api/vendor/payments")
    assert response.status_code == 401
    assert response.json()["code"] == "wrong_credential"
    assert response.json()["error"] == (
        "This endpoint wants a vendor JWT from POST /api/auth/login, not a pk_ secret key."
    )


def test_a_jwt_on_a_pk_endpoint_says_which_credential_it_wants(dashboard):
    response = dashboard.get("/api/v1/orders/ZTK9182398129")
    assert response.status_code == 401
    assert response.json()["code"] == "wrong_credential"
    assert response.json()["error"] == (
        "This endpoint wants the vendor's secret key (pk_...), not a login JWT."
    )


@pytest.mark.parametrize(
    "header, code",
    [
        ("Bearer pk_test_ztake_ZV9999", "invalid_secret_key"),
        ("Bearer sk_not_a_pk_key", "unauthorized"),
    ],
)
def test_bad_secret_keys_are_401(client_for, header, code):
    response = client_for("ztake", {"Authorization": header}).get("/api/v1/orders/ZTK9182398129")
    assert response.status_code == 401 and response.json()["code"] == code


def test_a_forged_or_foreign_jwt_is_401(client_for, sb):
    claims = {"sub": "ZV1001", "iss": "ztake-sandbox", "iat": 1705312800, "exp": 1705316400}
    forged = jwt.encode(
        claims, "not-the-sandbox-secret-but-long-enough-0123456789", algorithm="HS256"
    )
    response = client_for("ztake", {"Authorization": f"Bearer {forged}"}).get("/api/vendor/payouts")
    assert response.status_code == 401 and response.json()["code"] == "invalid_token"
    unsigned = jwt.encode(claims, None, algorithm="none")
    response = client_for("ztake", {"Authorization": f"Bearer {unsigned}"}).get(
        "/api/vendor/payouts"
    )
    assert response.status_code == 401 and response.json()["code"] == "invalid_token"


def test_missing_credentials_are_401_with_a_hint(client_for):
    response = client_for("ztake").get("/api/vendor/payouts")
    assert response.status_code == 401
    assert "POST /api/auth/login" in response.json()["error"]
    assert client_for("ztake").post("/api/v1/orders", json={}).status_code == 401


def test_public_endpoints_need_no_credentials(public):
    assert public.post("/api/payments/check", json={"utr": "652603702065"}).status_code == 200


def test_a_minted_token_works_like_a_login(client_for, sb):
    tenant = sb.runtime.tenant("ztake", "ZV1002")
    client = client_for("ztake", auth.jwt_headers(sb.runtime, tenant))
    assert client.get("/api/vendor/payment-info").json()["vendor_code"] == "ZV1002"
