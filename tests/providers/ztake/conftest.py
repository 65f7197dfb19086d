"""Spec-checked ZTake clients: secret-key clients of both vendors, vendor JWT clients from
a real login, and an unauthenticated client for the public endpoints."""

from __future__ import annotations

import httpx
import pytest

KEY_A = {"Authorization": "Bearer pk_test_ztake_ZV1001"}
KEY_B = {"Authorization": "Bearer pk_test_ztake_ZV1002"}
LOGIN_A = {"email": "vendor@techmart.test", "password": "sandbox"}
LOGIN_B = {"email": "vendor2@techmart.test", "password": "sandbox"}


@pytest.fixture
def public(client_for) -> httpx.Client:
    """No credentials (login, payments/check, submit-utr)."""
    return client_for("ztake")


def _login(public: httpx.Client, body: dict[str, str]) -> str:
    response = public.post("/api/auth/login", json=body)
    assert response.status_code == 200, response.text
    return response.json()["token"]


@pytest.fixture
def ztake(client_for) -> httpx.Client:
    """Server-to-server client of vendor ZV1001 (its pk_ secret key)."""
    return client_for("ztake", KEY_A)


@pytest.fixture
def ztake_b(client_for) -> httpx.Client:
    """Server-to-server client of vendor ZV1002."""
    return client_for("ztake", KEY_B)


@pytest.fixture
def dashboard(client_for, public) -> httpx.Client:
    """Vendor dashboard client of ZV1001 (a JWT from the login)."""
    return client_for("ztake", {"Authorization": f"Bearer {_login(public, LOGIN_A)}"})


@pytest.fixture
def dashboard_b(client_for, public) -> httpx.Client:
    """Vendor dashboard client of ZV1002."""
    return client_for("ztake", {"Authorization": f"Bearer {_login(public, LOGIN_B)}"})
