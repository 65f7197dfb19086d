"""Zoho fixtures: clients of both accounts and helpers to make payments through the control API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

TOKEN_A = "1000.sandbox.zoho.token"
TOKEN_B = "1000.sandbox.zoho.token2"
ACCOUNT_A = "23137556"
ACCOUNT_B = "23137557"


@pytest.fixture
def zoho(client_for) -> httpx.Client:
    """Zoho client of account A (23137556)."""
    return client_for("zoho", {"Authorization": f"Zoho-oauthtoken {TOKEN_A}"})


@pytest.fixture
def zoho_b(client_for) -> httpx.Client:
    """Zoho client of account B (23137557)."""
    return client_for("zoho", {"Authorization": f"Zoho-oauthtoken {TOKEN_B}"})


@pytest.fixture
def make_payment(control):
    """Creates a Zoho payment through the control API; returns the control API's resource."""

    def make(tenant: str = ACCOUNT_A, **body: Any) -> dict[str, Any]:
        extra = {k: body.pop(k) for k in ("state", "ago") if k in body}
        body.setdefault("amount", "200.00")
        answer = control.post(
            "/resources",
            json={"provider": "zoho", "tenant": tenant, "kind": "payment", "body": body, **extra},
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    return make
