"""List All Payments: seeded history, pagination edges and filters."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.providers.zwitch.helpers import collect


def _all(zwitch, **params):
    return zwitch.get("/v1/payments", params={"limit": 100, **params}).json()


def test_seeded_history_is_there_on_first_start(zwitch):
    listing = _all(zwitch)
    assert listing["pagination"]["total"] >= 20
    states = Counter(p["status"] for p in listing["data"])
    assert {"completed", "failed", "expired", "pending"} <= set(states)
    for payment in listing["data"]:
        assert payment["created_at"] <= "2024-01-15T10:00:00Z"
        if payment["status"] == "completed":
            assert payment["created_at"] < payment["completed_at"] <= "2024-01-15T10:00:00Z"
        else:
            assert "completed_at" not in payment


def test_list_items_have_the_documented_fields(zwitch):
    item = _all(zwitch, status="completed")["data"][0]
    assert set(item) == {
        "id",
        "account_id",
        "amount",
        "currency",
        "status",
        "payment_method",
        "remark",
        "merchant_reference_id",
        "created_at",
        "completed_at",
    }


def test_newest_first(zwitch):
    created = [p["created_at"] for p in _all(zwitch)["data"]]
    assert created == sorted(created, reverse=True)


def test_defaults_are_page_1_and_20_per_page(zwitch):
    listing = zwitch.get("/v1/payments").json()
    assert listing["pagination"]["page"] == 1 and listing["pagination"]["limit"] == 20
    assert len(listing["data"]) == 20


def test_pages_cover_everything_once(zwitch):
    total = _all(zwitch)["pagination"]["total"]
    seen = []
    pages = -(-total // 7)
    for page in range(1, pages + 1):
        listing = zwitch.get("/v1/payments", params={"page": page, "limit": 7}).json()
        assert listing["pagination"] == {
            "page": page,
            "limit": 7,
            "total": total,
            "total_pages": pages,
        }
        seen += [p["id"] for p in listing["data"]]
    assert len(seen) == total == len(set(seen))
    assert len(zwitch.get("/v1/payments", params={"page": pages, "limit": 7}).json()["data"]) == (
        total - 7 * (pages - 1)
    )


def test_a_page_past_the_end_is_empty(zwitch):
    listing = zwitch.get("/v1/payments", params={"page": 1000, "limit": 100}).json()
    assert listing["data"] == [] and listing["pagination"]["page"] == 1000


@pytest.mark.parametrize("limit, status", [(1, 200), (100, 200), (0, 400), (101, 400)])
def test_limit_bounds(zwitch, limit, status):
    response = zwitch.get("/v1/payments", params={"limit": limit})
    assert response.status_code == status
    if status == 400:
        assert response.json()["error"]["field"] == "limit"


@pytest.mark.parametrize(
    "status", ["pending", "completed", "failed", "expired", "cancelled", "processing"]
)
def test_status_filter(zwitch, status):
    listing = _all(zwitch, status=status)
    assert all(p["status"] == status for p in listing["data"])
    assert listing["pagination"]["total"] == len(listing["data"])


def test_account_filter(zwitch):
    zwitch.post("/v1/accounts/acc_1234567891/payments/upi/collect", json={"amount": 7})
    everything = _all(zwitch)["pagination"]["total"]
    primary = _all(zwitch, account_id="acc_1234567890")
    secondary = _all(zwitch, account_id="acc_1234567891")
    assert primary["pagination"]["total"] + secondary["pagination"]["total"] == everything
    assert secondary["pagination"]["total"] >= 1
    assert all(p["account_id"] == "acc_1234567891" for p in secondary["data"])
    assert _all(zwitch, account_id="acc_2000000002")["data"] == []  # another tenant's account


def test_date_filters_are_inclusive_utc_days(sb, zwitch):
    sb.advance(86_400)  # 2024-01-16
    today = collect(zwitch, merchant_reference_id="jan16")
    on_16th = _all(zwitch, from_date="2024-01-16", to_date="2024-01-16")["data"]
    assert [p["id"] for p in on_16th] == [today["id"]]
    until_15th = _all(zwitch, to_date="2024-01-15")["data"]
    assert today["id"] not in [p["id"] for p in until_15th]
    assert all(p["created_at"] < "2024-01-16" for p in until_15th)
    since_15th = _all(zwitch, from_date="2024-01-15")["data"]
    assert all(p["created_at"] >= "2024-01-15" for p in since_15th)


def test_reversed_dates_give_an_empty_list(zwitch):
    assert _all(zwitch, from_date="2024-01-16", to_date="2024-01-10")["data"] == []


@pytest.mark.parametrize("field", ["from_date", "to_date"])
@pytest.mark.parametrize("value", ["2024-13-01", "15-01-2024", "yesterday"])
def test_malformed_dates_are_rejected(zwitch, field, value):
    response = zwitch.get("/v1/payments", params={field: value})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert "YYYY-MM-DD" in response.json()["error"]["message"]


def test_filters_combine(zwitch):
    listing = _all(
        zwitch,
        status="completed",
        account_id="acc_1234567890",
        from_date="2024-01-01",
        to_date="2024-01-15",
    )
    assert all(
        p["status"] == "completed" and p["account_id"] == "acc_1234567890" for p in listing["data"]
    )


def test_listed_payments_show_their_current_state(sb, zwitch):
    created = collect(zwitch, remitter_vpa_handle="success@upi", merchant_reference_id="live-1")
    first = _all(zwitch)["data"][0]
    assert (first["id"], first["status"]) == (created["id"], "pending")
    assert "completed_at" not in first
    sb.advance(31)  # lifecycle.yaml: processing after 10 s, completed after 30 s
    again = _all(zwitch)["data"][0]
    assert (again["id"], again["status"]) == (created["id"], "completed")
    assert again["completed_at"] == "2024-01-15T10:00:30Z"
    tallied = _all(zwitch, status="pending")["pagination"]["total"]
    counted = _all(zwitch, status="pending", from_date="2024-01-01")["pagination"]["total"]
    assert tallied == counted
