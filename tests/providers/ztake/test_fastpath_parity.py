"""ZTake through the fast path answers byte for byte as through Connexion's full stack:
both bearer schemes, the wrong kind of credential, public operations and bad input."""

from __future__ import annotations

import httpx
import pytest

from sandbox.providers.ztake import auth
from sandbox.pytest_plugin import TEST_CONFIG
from sandbox.server import Sandbox
from tests.providers.ztake.conftest import KEY_A, LOGIN_A
from tests.providers.ztake.helpers import DOC_ORDER_BODY

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def pair():
    with (
        Sandbox(TEST_CONFIG, public_url="http://sandbox.test", providers=["ztake"]) as fast,
        Sandbox(
            TEST_CONFIG, public_url="http://sandbox.test", providers=["ztake"], fast_path=False
        ) as full,
    ):
        yield fast, full


def _requests(jwt_header: dict[str, str]) -> list[tuple]:
    return [
        ("POST", "/api/auth/login", JSON, LOGIN_A),
        ("POST", "/api/auth/login", JSON, {**LOGIN_A, "password": "x"}),
        ("POST", "/api/auth/login", JSON, {"email": "not an email", "password": "x"}),
        ("POST", "/api/v1/orders", {**KEY_A, **JSON}, DOC_ORDER_BODY),
        ("POST", "/api/v1/orders", {**KEY_A, **JSON}, DOC_ORDER_BODY),
        ("POST", "/api/v1/orders", {**KEY_A, **JSON}, {**DOC_ORDER_BODY, "amount": 7}),
        ("POST", "/api/v1/orders", {**KEY_A, **JSON}, {**DOC_ORDER_BODY, "vendorCode": "ZV1002"}),
        ("POST", "/api/v1/orders", {**KEY_A, **JSON}, {"amount": "x"}),
        ("POST", "/api/v1/orders", {**jwt_header, **JSON}, DOC_ORDER_BODY),
        ("POST", "/api/v1/orders", JSON, DOC_ORDER_BODY),
        ("POST", "/api/v1/orders", {**KEY_A, "Content-Type": "text/plain"}, b"{}"),
        ("GET", "/api/v1/orders/ZTK9182398129", KEY_A, None),
        ("GET", "/api/v1/orders/ord_9182398129", KEY_A, None),
        ("GET", "/api/v1/orders/ZTK0000000000", KEY_A, None),
        ("GET", "/api/v1/orders/nope", KEY_A, None),
        ("GET", "/api/v1/orders/ZTK9182398129", {"Authorization": "Bearer pk_nope"}, None),
        ("GET", "/api/v1/orders/ZTK9182398129", {"Authorization": "Basic YTpi"}, None),
        ("POST", "/api/payments/check", JSON, {"utr": "652603702065"}),
        ("POST", "/api/payments/check", JSON, {"utr": "65260370206"}),
        ("POST", "/api/payments/check", JSON, b"{not json"),
        (
            "POST",
            "/api/payments/update",
            {**KEY_A, **JSON},
            {"utr": "652603702065", "amount": 500, "vendor_code": "ZV1001"},
        ),
        ("POST", "/api/v1/orders/ZTK9182398129/submit-utr", JSON, {"utr": "111111111111"}),
        ("GET", "/api/vendor/payments?page=2&limit=3", jwt_header, None),
        ("GET", "/api/vendor/payments?limit=0", jwt_header, None),
        ("GET", "/api/vendor/payments", KEY_A, None),
        ("GET", "/api/vendor/payment-info", jwt_header, None),
        ("GET", "/api/vendor/payouts", jwt_header, None),
        ("GET", "/api/vendor/payouts", {"Authorization": "Bearer a.b.c"}, None),
        ("POST", "/api/v2/chat/message", {**KEY_A, **JSON}, {"message": "tech_3289138"}),
        ("GET", "/api/v2/chat/history?session_id=sess_1_abcdef", KEY_A, None),
        ("GET", "/api/v2/chat/config", jwt_header, None),
        ("POST", "/api/v2/chat/config", {**jwt_header, **JSON}, {}),
    ]


def test_both_paths_answer_byte_for_byte_alike(pair):
    fast, full = pair
    assert fast.runtime.config.fast_path and not full.runtime.config.fast_path
    tenant = fast.runtime.tenant("ztake", "ZV1001")
    # The same seed and frozen clock: a token minted by one sandbox is valid in both.
    jwt_header = auth.jwt_headers(fast.runtime, tenant)
    for method, path, headers, body in _requests(jwt_header):
        answers = []
        for sandbox in (fast, full):
            content = body if isinstance(body, bytes) else None
            answers.append(
                httpx.request(
                    method,
                    sandbox.url + "/ztake" + path,
                    headers=headers,
                    content=content,
                    json=None if content is not None or body is None else body,
                )
            )
        one, other = answers
        label = f"{method} {path} {body!r:.40}"
        assert one.status_code == other.status_code, label
        assert one.headers.get("content-type") == other.headers.get("content-type"), label
        assert one.content == other.content, label
