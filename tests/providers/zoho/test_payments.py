"""Zoho Payments over HTTP: retrieve, list with every filter, auth, isolation, lifecycle."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.providers.zoho.conftest import ACCOUNT_A, ACCOUNT_B

DAY_MS = 86_400_000


def reconciles(payment: dict) -> bool:
    """Seed 004's money fields agree with each other and with the status."""
    d = {
        k: Decimal(payment[k])
        for k in (
            "amount_captured",
            "amount_refunded",
            "fee_amount",
            "net_tax_amount",
            "total_fee_amount",
            "net_amount",
        )
    }
    money = (
        d["total_fee_amount"] == d["fee_amount"] + d["net_tax_amount"]
        and d["net_amount"] == d["amount_captured"] - d["amount_refunded"] - d["total_fee_amount"]
    )
    if payment["status"] == "disputed":
        return money
    partial = 0 < d["amount_refunded"] < d["amount_captured"]
    full = 0 < d["amount_refunded"] == d["amount_captured"]
    return (
        money
        and (payment["status"] == "partially_refunded") == partial
        and (payment["status"] == "refunded") == full
    )


def test_list_default_page_and_envelope(zoho):
    answer = zoho.get("/api/v1/payments", params={"account_id": ACCOUNT_A})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["code"], body["message"]) == (0, "success")
    assert len(body["payments"]) == 25
    ctx = body["page_context"]
    assert ctx["page"] == 1 and ctx["per_page"] == 25 and ctx["total"] == 48
    assert ctx["total_pages"] == 2 and ctx["has_more_page"] is True
    dates = [p["date"] for p in body["payments"]]
    assert dates == sorted(dates, reverse=True)
    assert all(reconciles(p) for p in body["payments"])


def test_every_seeded_status_and_method_is_present(zoho):
    payments = zoho.get(
        "/api/v1/payments", params={"account_id": ACCOUNT_A, "per_page": 200}
    ).json()["payments"]
    assert {p["status"] for p in payments} == {
        "initiated",
        "succeeded",
        "failed",
        "canceled",
        "incomplete",
        "refunded",
        "partially_refunded",
        "blocked",
        "disputed",
    }
    assert {p["payment_method"]["type"] for p in payments} == {"upi", "card", "net_banking"}


@pytest.mark.parametrize(
    "status,states",
    [
        ("Status.All", None),
        ("Status.Failed", {"failed"}),
        ("Status.Succeeded", {"succeeded"}),
        ("Status.Cancelled", {"canceled"}),
        ("Status.Refunded", {"refunded", "partially_refunded"}),
        ("Status.Disputed", {"disputed"}),
    ],
)
def test_status_filter(zoho, status, states):
    everything = zoho.get(
        "/api/v1/payments", params={"account_id": ACCOUNT_A, "per_page": 200}
    ).json()["payments"]
    body = zoho.get(
        "/api/v1/payments", params={"account_id": ACCOUNT_A, "status": status, "per_page": 200}
    ).json()
    expected = [p["payment_id"] for p in everything if states is None or p["status"] in states]
    assert [p["payment_id"] for p in body["payments"]] == expected
    assert body["page_context"]["total"] == len(expected) > 0


@pytest.mark.parametrize("method", ["upi", "card", "net_banking", "all"])
def test_payment_method_filter(zoho, method):
    everything = zoho.get(
        "/api/v1/payments", params={"account_id": ACCOUNT_A, "per_page": 200}
    ).json()["payments"]
    body = zoho.get(
        "/api/v1/payments",
        params={"account_id": ACCOUNT_A, "payment_method_type": method, "per_page": 200},
    ).json()
    expected = [
        p["payment_id"]
        for p in everything
        if method == "all" or p["payment_method"]["type"] == method
    ]
    assert [p["payment_id"] for p in body["payments"]] == expected and expected


# The session sandbox is frozen at 2024-01-15T10:00:00Z = 15:30 IST on 15 January 2024.
IST_DAY = {"2024-01-15": (1705257000000, 1705343400000)}


@pytest.mark.parametrize(
    "filter_by,start,end",
    [
        ("ChargeDate.Today", "2024-01-15", "2024-01-16"),
        ("ChargeDate.ThisMonth", "2024-01-01", "2024-02-01"),
        ("ChargeDate.ThisYear", "2024-01-01", "2025-01-01"),
        ("ChargeDate.PreviousMonth", "2023-12-01", "2024-01-01"),
        ("ChargeDate.PreviousYear", "2023-01-01", "2024-01-01"),
    ],
)
def test_date_filters_follow_the_sandbox_clock(zoho, filter_by, start, end):
    from datetime import datetime, timedelta, timezone

    ist = timezone(timedelta(hours=5, minutes=30))
    lo = datetime.fromisoformat(start).replace(tzinfo=ist).timestamp() * 1000
    hi = datetime.fromisoformat(end).replace(tzinfo=ist).timestamp() * 1000
    everything = zoho.get(
        "/api/v1/payments", params={"account_id": ACCOUNT_A, "per_page": 200}
    ).json()["payments"]
    body = zoho.get(
        "/api/v1/payments",
        params={"account_id": ACCOUNT_A, "filter_by": filter_by, "per_page": 200},
    ).json()
    expected = [p["payment_id"] for p in everything if lo <= p["date"] < hi]
    assert [p["payment_id"] for p in body["payments"]] == expected


def test_last_30_days_and_custom_dates(zoho, sb):
    now = sb.runtime.clock.now_ms()
    everything = zoho.get(
        "/api/v1/payments", params={"account_id": ACCOUNT_A, "per_page": 200}
    ).json()["payments"]
    last30 = zoho.get(
        "/api/v1/payments",
        params={"account_id": ACCOUNT_A, "filter_by": "ChargeDate.Last_30_Days", "per_page": 200},
    ).json()["payments"]
    assert [p["payment_id"] for p in last30] == [
        p["payment_id"] for p in everything if p["date"] > now - 30 * DAY_MS
    ]
    assert last30 and len(last30) < len(everything)
    custom = zoho.get(
        "/api/v1/payments",
        params={
            "account_id": ACCOUNT_A,
            "filter_by": "ChargeDate.CustomDate",
            "from_date": "2023-12-01",
            "to_date": "2023-12-31",
            "per_page": 200,
        },
    ).json()["payments"]
    previous_month = zoho.get(
        "/api/v1/payments",
        params={"account_id": ACCOUNT_A, "filter_by": "ChargeDate.PreviousMonth", "per_page": 200},
    ).json()["payments"]
    assert custom == previous_month


def test_custom_date_needs_both_days(zoho):
    answer = zoho.get(
        "/api/v1/payments",
        params={
            "account_id": ACCOUNT_A,
            "filter_by": "ChargeDate.CustomDate",
            "to_date": "2024-01-10",
        },
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "code": 2,
        "message": "from_date: is required when filter_by is ChargeDate.CustomDate.",
    }
    backwards = zoho.get(
        "/api/v1/payments",
        params={
            "account_id": ACCOUNT_A,
            "filter_by": "ChargeDate.CustomDate",
            "from_date": "2024-01-10",
            "to_date": "2024-01-01",
        },
    )
    assert backwards.status_code == 400 and backwards.json()["code"] == 2


@pytest.mark.parametrize(
    "params",
    [
        {"per_page": 201},
        {"per_page": 0},
        {"page": 0},
        {"status": "succeeded"},
        {"filter_by": "Today"},
        {"payment_method_type": "wallet"},
        {"from_date": "15-01-2024"},
    ],
)
def test_bad_list_parameters(zoho, params):
    answer = zoho.get("/api/v1/payments", params={"account_id": ACCOUNT_A, **params})
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == 2 and next(iter(params)) in body["message"]


def test_paging_walks_every_payment_once(zoho):
    seen = []
    for page in (1, 2, 3):
        body = zoho.get(
            "/api/v1/payments", params={"account_id": ACCOUNT_A, "per_page": 20, "page": page}
        ).json()
        seen += [p["payment_id"] for p in body["payments"]]
        assert body["page_context"]["has_more_page"] is (page < 3)
    assert len(seen) == len(set(seen)) == 48


def test_retrieve_matches_the_list(zoho):
    summary = zoho.get("/api/v1/payments", params={"account_id": ACCOUNT_A, "per_page": 1}).json()[
        "payments"
    ][0]
    answer = zoho.get(f"/api/v1/payments/{summary['payment_id']}", params={"account_id": ACCOUNT_A})
    assert answer.status_code == 200
    payment = answer.json()["payment"]
    assert {k: payment[k] for k in summary if k != "payment_method"} == {
        k: v for k, v in summary.items() if k != "payment_method"
    }
    assert payment["payment_method"]["type"] in payment["payment_method"]
    assert reconciles(payment)


def test_auth_refusals_in_zohos_shape(client_for, zoho):
    some = zoho.get("/api/v1/payments", params={"account_id": ACCOUNT_A, "per_page": 1}).json()[
        "payments"
    ][0]
    path = f"/api/v1/payments/{some['payment_id']}"
    for headers, message in [
        ({}, None),
        ({"Authorization": "Zoho-oauthtoken 1000.nope"}, "Invalid OAuth token."),
        ({"Authorization": "Bearer 1000.sandbox.zoho.token"}, "must start with 'Zoho-oauthtoken'"),
        (
            {"Authorization": "Zoho-oauthtoken 1000.sandbox.zoho.noscope"},
            "lacks the scope ZohoPay.payments.READ",
        ),
    ]:
        answer = client_for("zoho", headers).get(path, params={"account_id": ACCOUNT_A})
        assert answer.status_code == 401, headers
        assert answer.json()["code"] == 57
        assert message is None or message in answer.json()["message"]


def test_another_accounts_payment_looks_missing(zoho, zoho_b):
    mine = zoho.get("/api/v1/payments", params={"account_id": ACCOUNT_A, "per_page": 1}).json()[
        "payments"
    ][0]
    foreign = zoho_b.get(f"/api/v1/payments/{mine['payment_id']}", params={"account_id": ACCOUNT_B})
    missing = zoho_b.get("/api/v1/payments/1987000000000001", params={"account_id": ACCOUNT_B})
    wrong_account = zoho_b.get(
        f"/api/v1/payments/{mine['payment_id']}", params={"account_id": ACCOUNT_A}
    )
    assert foreign.status_code == missing.status_code == wrong_account.status_code == 404
    assert foreign.json()["code"] == missing.json()["code"] == wrong_account.json()["code"] == 1002
    assert foreign.json()["message"].replace(mine["payment_id"], "X") == missing.json()[
        "message"
    ].replace("1987000000000001", "X")
    listing = zoho_b.get("/api/v1/payments", params={"account_id": ACCOUNT_A})
    unknown = zoho_b.get("/api/v1/payments", params={"account_id": "99999999"})
    assert listing.status_code == unknown.status_code == 404
    assert listing.json()["code"] == unknown.json()["code"] == 1001
    ids_b = {
        p["payment_id"]
        for p in zoho_b.get(
            "/api/v1/payments", params={"account_id": ACCOUNT_B, "per_page": 200}
        ).json()["payments"]
    }
    ids_a = {
        p["payment_id"]
        for p in zoho.get(
            "/api/v1/payments", params={"account_id": ACCOUNT_A, "per_page": 200}
        ).json()["payments"]
    }
    assert not ids_a & ids_b


def test_a_payment_made_through_the_control_api_succeeds_on_the_clock(zoho, control, make_payment):
    created = make_payment(
        amount="200.00",
        method="card",
        card={"last_four_digits": "4242"},
        meta_data=[{"key": "order_id", "value": "ORD-1"}],
        reference_number="REF-QA-1",
    )
    assert created["state"] == "initiated"
    path = f"/api/v1/payments/{created['id']}"
    assert (
        zoho.get(path, params={"account_id": ACCOUNT_A}).json()["payment"]["status"] == "initiated"
    )
    control.post("/clock/advance", json={"seconds": 5})
    payment = zoho.get(path, params={"account_id": ACCOUNT_A}).json()["payment"]
    assert payment["status"] == "succeeded"
    assert (payment["amount_captured"], payment["fee_amount"], payment["net_tax_amount"]) == (
        "200.00",
        "4.00",
        "0.72",
    )
    assert payment["net_amount"] == "195.28"
    assert payment["payment_method"]["card"]["last_four_digits"] == "4242"
    assert payment["meta_data"] == [{"key": "order_id", "value": "ORD-1"}]
    today = zoho.get(
        "/api/v1/payments",
        params={"account_id": ACCOUNT_A, "filter_by": "ChargeDate.Today", "per_page": 200},
    )
    assert created["id"] in {p["payment_id"] for p in today.json()["payments"]}
    control.post("/clock/advance", json={"seconds": 2 * 86_400})
    today = zoho.get(
        "/api/v1/payments",
        params={"account_id": ACCOUNT_A, "filter_by": "ChargeDate.Today", "per_page": 200},
    )
    assert created["id"] not in {p["payment_id"] for p in today.json()["payments"]}


def test_partial_refund_then_dispute_then_the_rest(zoho, control, make_payment):
    created = make_payment(amount="200.00", state="succeeded")
    path = f"/api/v1/payments/{created['id']}"

    def simulate(event, **params):
        return control.post(
            "/simulate",
            json={
                "provider": "zoho",
                "resource_id": created["id"],
                "event": event,
                "params": params,
            },
        )

    assert simulate("refund", amount="100.00").status_code == 200
    payment = zoho.get(path, params={"account_id": ACCOUNT_A}).json()["payment"]
    assert (payment["status"], payment["amount_refunded"], payment["net_amount"]) == (
        "partially_refunded",
        "100.00",
        "95.28",
    )
    too_much = simulate("refund", amount="100.01")
    assert too_much.status_code == 400 and "at most 100.00" in too_much.json()["error"]["message"]
    assert simulate("dispute").json()["state"] == "disputed"
    assert simulate("win_dispute").json()["state"] == "partially_refunded"
    assert simulate("refund").json()["state"] == "refunded"
    payment = zoho.get(path, params={"account_id": ACCOUNT_A}).json()["payment"]
    assert (payment["amount_refunded"], payment["net_amount"]) == ("200.00", "-4.72")
    assert simulate("refund").status_code == 409


def test_outcome_triggers(zoho, control, make_payment):
    failing = make_payment(upi={"upi_id": "failure@upi"})
    declined = make_payment(method="card", card={"last_four_digits": "0002"})
    blocked = make_payment(outcome="blocked")
    control.post("/clock/advance", json={"seconds": 5})
    states = [
        zoho.get(f"/api/v1/payments/{p['id']}", params={"account_id": ACCOUNT_A}).json()["payment"][
            "status"
        ]
        for p in (failing, declined, blocked)
    ]
    assert states == ["failed", "failed", "blocked"]


@pytest.mark.parametrize(
    "body,field",
    [
        ({"amount": "abc"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"method": "wallet"}, "method"),
        ({"meta_data": [{"key": "k", "value": "v"}] * 6}, "meta_data"),
        ({"outcome": "later"}, "outcome"),
        ({"upi": {"pin": "1234"}}, "upi"),
    ],
)
def test_control_refuses_bad_payments_and_stores_nothing(control, zoho, body, field):
    before = zoho.get("/api/v1/payments", params={"account_id": ACCOUNT_A}).json()["page_context"][
        "total"
    ]
    answer = control.post(
        "/resources",
        json={"provider": "zoho", "kind": "payment", "body": {"amount": "10.00", **body}},
    )
    assert answer.status_code == 400 and answer.json()["error"]["message"].startswith(field)
    assert (
        zoho.get("/api/v1/payments", params={"account_id": ACCOUNT_A}).json()["page_context"][
            "total"
        ]
        == before
    )
