"""The fast path answers exactly as Connexion's full stack does: the same requests against
two sandboxes with the same seed, one of them without the fast path, get byte-identical
answers (status, content type, body)."""

from __future__ import annotations

import httpx
import pytest

from sandbox.pytest_plugin import TEST_CONFIG
from sandbox.server import Sandbox
from tests.providers.zwitch.helpers import COLLECT_PATH, DOC_COLLECT_BODY, DOC_TOKEN_BODY

A = {"Authorization": "Bearer ak_test_sandbox:sk_test_sandbox"}
JSON = {"Content-Type": "application/json"}

REQUESTS = [
    ("GET", "/v1/payments", A, None),
    ("GET", "/v1/payments?page=2&limit=5&status=completed", A, None),
    ("GET", "/v1/payments?account_id=acc_1234567891&from_date=2024-01-10", A, None),
    ("GET", "/v1/payments?limit=101", A, None),
    ("GET", "/v1/payments?limit=abc", A, None),
    ("GET", "/v1/payments?from_date=2024-13-01", A, None),
    ("GET", "/v1/payments", {}, None),
    ("GET", "/v1/payments", {"Authorization": "Bearer"}, None),
    ("GET", "/v1/payments", {"Authorization": "Bearer ak_test_sandbox:nope"}, None),
    ("GET", "/v1/payments", {"Authorization": "Basic YTpi"}, None),
    ("POST", COLLECT_PATH, {**A, **JSON}, DOC_COLLECT_BODY),
    ("POST", COLLECT_PATH, {**A, **JSON}, DOC_COLLECT_BODY),
    ("POST", COLLECT_PATH, {**A, **JSON}, {**DOC_COLLECT_BODY, "amount": 5}),
    ("POST", COLLECT_PATH, {**A, **JSON}, {"amount": "x"}),
    ("POST", COLLECT_PATH, {**A, **JSON}, {"remark": "no amount"}),
    ("POST", COLLECT_PATH, {**A, **JSON}, b"{not json"),
    ("POST", COLLECT_PATH, {**A, **JSON}, b""),
    ("POST", COLLECT_PATH, {**A, **JSON}, b'{"amount": 1e999}'),
    ("POST", COLLECT_PATH, {**A, "Content-Type": "text/plain"}, b'{"amount": 5}'),
    ("POST", "/v1/accounts/acc_2000000002/payments/upi/collect", {**A, **JSON}, {"amount": 5}),
    ("POST", "/v1/pg/payment_token", {**A, **JSON}, DOC_TOKEN_BODY),
    ("POST", "/v1/pg/sandbox/payment_token", {**A, **JSON}, {**DOC_TOKEN_BODY, "mtx": "bad-mtx"}),
    ("GET", "/v1/payments/pay_nope", A, None),
    ("GET", "/v1/payments/" + "x" * 65, A, None),
    ("GET", "/v1/payments/token/pt_nope/status", A, None),
]


@pytest.fixture(scope="module")
def pair():
    # One public URL for both, so links (and the QR code encoding one) do not differ by port.
    with (
        Sandbox(TEST_CONFIG, public_url="http://sandbox.test") as fast,
        Sandbox(TEST_CONFIG, public_url="http://sandbox.test", fast_path=False) as full,
    ):
        yield fast, full


def _send(base, method, path, headers, body):
    content = body if isinstance(body, bytes) else None
    return httpx.request(
        method,
        base + "/zwitch" + path,
        headers=headers,
        content=content,
        json=None if content is not None or body is None else body,
    )


def test_the_fast_path_is_in_use(pair):
    fast, full = pair
    assert fast.runtime.config.fast_path and not full.runtime.config.fast_path


def test_both_paths_answer_byte_for_byte_alike(pair):
    fast, full = pair
    for method, path, headers, body in REQUESTS:
        one, other = (_send(s.url, method, path, headers, body) for s in (fast, full))
        label = f"{method} {path} {body!r:.40}"
        assert one.status_code == other.status_code, label
        assert one.headers.get("content-type") == other.headers.get("content-type"), label
        assert one.content == other.content, label
