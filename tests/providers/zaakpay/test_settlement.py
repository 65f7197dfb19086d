"""Zaakpay's settlement report over HTTP: checksum, every refusal, the hourly limit on the
sandbox clock, consistent rows, transactions that settle on the clock, isolation."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal

import pytest

MERCHANT_A = "b19e8f103bce406cbd3476431b6b7973"
SECRET_A = "zaakpay_test_secret"
MERCHANT_B = "a29e8f103bce406cbd3476431b6b7974"
SECRET_B = "zaakpay_test_secret_2"
PATH = "/api/v2/getSettlementReport"
# The session sandbox is frozen at 2024-01-15T10:00:00Z (15:30 IST).
YESTERDAY = "14-01-2024"


def checksum(secret: str, merchant: str, utr_date: str) -> str:
    return hmac.new(secret.encode(), f"{merchant},{utr_date}".encode(), hashlib.sha256).hexdigest()


def body(utr_date: str = YESTERDAY, merchant: str = MERCHANT_A, secret: str = SECRET_A) -> dict:
    return {
        "merchantIdentifier": merchant,
        "utr_date": utr_date,
        "checksum": checksum(secret, merchant, utr_date),
    }


@pytest.fixture
def zaakpay(client_for, control):
    # Every test starts a fresh hour so the two-calls limit is its own.
    control.post("/clock/advance", json={"seconds": 3600})
    return client_for("zaakpay")


def test_the_documented_example_checksum():
    # Seed 003: "Request Checksum String: b19e8f103bce406cbd3476431b6b7973,06-03-2019".
    assert len(checksum("any", MERCHANT_A, "06-03-2019")) == 64


def test_a_report_reconciles_and_repeats(zaakpay, control):
    first = zaakpay.post(PATH, json=body())
    assert first.status_code == 200
    answer = first.json()
    assert (answer["responsecode"], answer["responsedescription"]) == ("100", "Successful")
    rows = answer["report"]
    assert rows, "the seeded history settles something every day"
    for row in rows:
        assert row["settlement_date"] == "2024-01-14"
        amount, fee, tax = (
            Decimal(row[k]) for k in ("amount", "partner_service_fee", "partner_service_tax")
        )
        assert Decimal(row["settlement_amount"]) == amount - fee - tax
        assert (row["rrn"] == "") == (row["settlement_action"] == "REFUND") == (row["arn"] != "")
    assert len({row["transaction_utr"] for row in rows}) == 1
    assert [r["txn_date"] for r in rows] == sorted(r["txn_date"] for r in rows)
    assert zaakpay.post(PATH, json=body()).json()["report"] == rows


def test_uppercase_checksum_is_accepted(zaakpay):
    request = body()
    request["checksum"] = request["checksum"].upper()
    assert zaakpay.post(PATH, json=request).status_code == 200


@pytest.mark.parametrize(
    "request_body,status,code,words",
    [
        ({**body(), "checksum": "0" * 64}, 401, "180", "Checksum mismatch"),
        (body(merchant="0" * 32), 401, "102", "Invalid merchantIdentifier"),
        (body(utr_date="2024-01-14"), 400, "103", "utr_date"),
        (body(utr_date="31-02-2023"), 400, "104", "not a real date"),
        (body(utr_date="16-01-2024"), 400, "105", "in the future"),
        ({k: v for k, v in body().items() if k != "checksum"}, 400, "101", "checksum"),
        ({k: v for k, v in body().items() if k != "utr_date"}, 400, "101", "utr_date"),
        ({**body(), "utr_date": 14012024}, 400, "103", "utr_date"),
    ],
)
def test_each_refusal_has_its_own_code(zaakpay, request_body, status, code, words):
    answer = zaakpay.post(PATH, json=request_body)
    assert answer.status_code == status
    assert answer.json()["responsecode"] == code
    assert words in answer.json()["responsedescription"]


def test_a_merchants_checksum_never_unlocks_another_report(zaakpay):
    # B's identifier with A's secret, and A's identifier with B's secret.
    for merchant, secret in ((MERCHANT_B, SECRET_A), (MERCHANT_A, SECRET_B)):
        answer = zaakpay.post(PATH, json=body(merchant=merchant, secret=secret))
        assert (answer.status_code, answer.json()["responsecode"]) == (401, "180")


def test_merchants_see_only_their_own_transactions(zaakpay):
    rows_a = zaakpay.post(PATH, json=body()).json()["report"]
    rows_b = zaakpay.post(PATH, json=body(merchant=MERCHANT_B, secret=SECRET_B)).json()["report"]
    assert rows_a and rows_b
    assert not {r["partner_transaction_id"] for r in rows_a} & {
        r["partner_transaction_id"] for r in rows_b
    }


def test_two_calls_an_hour_then_the_clock_frees_it(zaakpay, control):
    assert zaakpay.post(PATH, json=body()).status_code == 200
    assert zaakpay.post(PATH, json=body()).status_code == 200
    third = zaakpay.post(PATH, json=body())
    assert third.status_code == 429 and third.json()["responsecode"] == "190"
    wait = int(third.headers["Retry-After"])
    assert 0 < wait <= 3600
    # Another merchant has its own allowance; refused calls do not use it up.
    assert zaakpay.post(PATH, json={**body(), "checksum": "x"}).status_code == 401
    assert zaakpay.post(PATH, json=body(merchant=MERCHANT_B, secret=SECRET_B)).status_code == 200
    control.post("/clock/advance", json={"seconds": wait})
    assert zaakpay.post(PATH, json=body()).status_code == 200


def test_configuration_changes_or_lifts_the_limit():
    from sandbox.config import SandboxConfig
    from sandbox.providers.zaakpay.seed import DEFAULT_TENANTS
    from sandbox.server import Sandbox

    three = [
        {**t.to_dict(), "profile": {"rate_limit": {"limit": 3, "per": "1h"}}}
        for t in DEFAULT_TENANTS
    ]
    options = {"clock_start": "2024-01-15T10:00:00Z", "clock_frozen": True}
    for config, allowed in (
        (SandboxConfig(tenants={"zaakpay": three}, **options), 3),
        (SandboxConfig(provider_rate_limits=False, **options), 10),
    ):
        with Sandbox(config) as sb, sb.client() as client:
            statuses = [client.post("/zaakpay" + PATH, json=body()).status_code for _ in range(10)]
        assert statuses == [200] * allowed + [429] * (10 - allowed)


def test_a_limit_that_makes_no_sense_is_refused_at_start():
    from sandbox.config import SandboxConfig
    from sandbox.providers.zaakpay.seed import DEFAULT_TENANTS
    from sandbox.runtime import Runtime

    broken = [{**DEFAULT_TENANTS[0].to_dict(), "profile": {"rate_limit": {"limit": "two"}}}]
    with pytest.raises(ValueError, match="rate_limit must be"):
        Runtime(SandboxConfig(tenants={"zaakpay": broken}))


def test_a_transaction_added_today_settles_tomorrow(zaakpay, control):
    created = control.post(
        "/resources",
        json={
            "provider": "zaakpay",
            "kind": "transaction",
            "body": {"amount": "318.90", "action": "REFUND", "client_transaction_id": "ZTD3D-QA-1"},
        },
    )
    assert created.status_code == 201, created.text
    txn = created.json()
    assert txn["state"] == "unsettled" and txn["scheduled"]
    control.post("/clock/advance", json={"seconds": 86_400})
    today = control.get("/clock").json()["now"]
    day = f"{today[8:10]}-{today[5:7]}-{today[0:4]}"
    rows = zaakpay.post(PATH, json=body(utr_date=day)).json()["report"]
    mine = [r for r in rows if r["partner_transaction_id"] == txn["id"]]
    assert len(mine) == 1
    assert mine[0]["client_transaction_id"] == "ZTD3D-QA-1"
    assert (mine[0]["amount"], mine[0]["settlement_amount"], mine[0]["settlement_action"]) == (
        "318.90",
        "318.90",
        "REFUND",
    )
