"""Spec-checked ZazPay clients of both default merchants (HTTP Basic), rooted at /api/v1."""

from __future__ import annotations

import base64

import httpx
import pytest


def basic(merchant: str, key: str) -> dict[str, str]:
    """The HTTP Basic header of a merchant."""
    return {"Authorization": "Basic " + base64.b64encode(f"{merchant}:{key}".encode()).decode()}


A = basic("9418", "zazpay_test_key")
B = basic("9419", "zazpay_test_key_2")


@pytest.fixture
def zazpay(client_for) -> httpx.Client:
    """Merchant 9418 (website 123456)."""
    return client_for("zazpay/api/v1", A)


@pytest.fixture
def zazpay_b(client_for) -> httpx.Client:
    """Merchant 9419 (website 223456)."""
    return client_for("zazpay/api/v1", B)


@pytest.fixture
def anonymous(client_for) -> httpx.Client:
    """No credentials."""
    return client_for("zazpay/api/v1")
