"""Formpay: a test-only provider (form bodies, an async API-key check, an OAuth 2 operation,
path-suffix representations, every problem in its errors). Register it with `registered()`."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Iterator, Mapping

import pytest

from sandbox.errors import ApiError
from sandbox.providers import REGISTRY
from sandbox.providers.base import Provider, Tenant
from sandbox.representations import Representation
from tests.providers.formpay import handlers

NAME = "formpay"
TOKEN = "tok_good"
API_KEY = "key_good"
SPEC = Path(__file__).with_name("spec.yaml")


def _verify_token(token: str) -> dict[str, Any] | None:
    return {"sub": "t1", "tenant": "t1"} if token == TOKEN else None


async def _verify_key(
    key: str, required_scopes: list[str] | None = None, request: Any = None
) -> dict[str, Any] | None:
    # Async, and wanting the scopes and the request: what the fast path must pass along.
    if key != API_KEY or request is None or required_scopes is None:
        return None
    return {"sub": "t1", "tenant": "t1", "scopes": required_scopes}


def authenticate(scheme: Mapping[str, Any]) -> Any:
    """One check per scheme; none for OAuth 2 (Connexion then answers 401)."""
    if scheme["type"] == "http":
        return _verify_token
    if scheme["type"] == "apiKey":
        return _verify_key
    return None


def render(err: ApiError) -> tuple[dict[str, Any], int]:
    """Every problem of the request, ZazPay-style, besides the first one's message."""
    problems = [
        {"location": p.location, "field": p.field, "rule": p.rule, "message": p.message}
        for p in err.problems
    ]
    return {"code": err.code, "message": err.message, "problems": problems}, err.status


PROVIDER = Provider(
    name=NAME,
    title="Formpay",
    handlers=handlers,
    authenticate=authenticate,
    render_error=render,
    default_tenants=(Tenant("t1", "Tenant one", {"token": TOKEN, "api_key": API_KEY}),),
    seed=lambda _rt, _tenant: None,
    client_headers=lambda _t: {"Authorization": f"Bearer {TOKEN}", "X-Api-Key": API_KEY},
    representations=(
        Representation(".json", "application/json"),
        Representation(".xml", "application/xml", lambda v: f"<r>{len(v)}</r>".encode()),
    ),
    spec=SPEC,
)


@contextlib.contextmanager
def registered() -> Iterator[None]:
    """Formpay in the provider registry for the duration of the block."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(REGISTRY, NAME, __name__)
        yield


@contextlib.contextmanager
def sandbox_pair() -> Iterator[tuple[Any, Any]]:
    """Two fresh sandboxes with every registered provider and Formpay, equal in all but the
    fast path: the first serves compiled operations on it, the second only through Connexion.
    One public URL for both, so links (and QR codes encoding them) do not differ by port."""
    from sandbox.pytest_plugin import TEST_CONFIG
    from sandbox.server import Sandbox

    with (
        registered(),
        Sandbox(TEST_CONFIG, public_url="http://sandbox.test") as fast,
        Sandbox(TEST_CONFIG, public_url="http://sandbox.test", fast_path=False) as full,
    ):
        yield fast, full
