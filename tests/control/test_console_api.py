"""The control API the console is built on: providers with their kinds, tenants and a
ready-made request each; resources paged by cursor; the journal's tail; deliveries newest
first; the console's own reads kept out of the journal."""

from __future__ import annotations

import httpx
import pytest

from sandbox.control.handlers import listing_query
from tests.providers.zwitch.helpers import ACCOUNT, collect

CONSOLE_READ = {"X-Paysandbox-Console": "1"}


def _providers(control) -> dict[str, dict]:
    return {p["name"]: p for p in control.get("/providers").json()["data"]}


def test_providers_lists_every_registered_provider_with_urls_kinds_and_tenants(sb, control):
    listed = _providers(control)
    assert list(listed) == list(sb.runtime.providers)
    zwitch = listed["zwitch"]
    assert (zwitch["prefix"], zwitch["docs"], zwitch["spec"]) == (
        "/zwitch",
        "/zwitch/ui/",
        "/zwitch/openapi.json",
    )
    assert zwitch["webhooks"] is True and zwitch["signature_headers"]
    collect_kind = next(k for k in zwitch["kinds"] if k["kind"] == "upi_collect")
    assert collect_kind["lifecycle"] and collect_kind["initial"] == "pending"
    assert {"complete", "fail", "expire"} <= set(collect_kind["events"])
    assert {t["id"] for t in zwitch["tenants"]} == {ACCOUNT, "acc_2000000002"}
    # Kinds a provider stores without declaring them (ZTake's chat configuration) are listed
    # after the declared ones, as kinds without a lifecycle.
    ztake_kinds = [k["kind"] for k in listed["ztake"]["kinds"]]
    assert ztake_kinds[:2] == ["order", "payout"] and "chat_config" in ztake_kinds
    assert not next(k for k in listed["ztake"]["kinds"] if k["kind"] == "chat_config")["lifecycle"]


def test_tenant_counts_follow_what_is_created(sb, zwitch, control):
    def count() -> int:
        tenants = _providers(control)["zwitch"]["tenants"]
        return next(t for t in tenants if t["id"] == ACCOUNT)["resources"]["upi_collect"]

    before = count()
    collect(zwitch, merchant_reference_id=None)
    assert count() == before + 1
    listed = control.get("/resources", params={"provider": "zwitch", "kind": "upi_collect"})
    assert listed.json()["total"] == before + 1


def test_every_tenants_example_request_works_as_it_is(sb, control):
    # The curl lines of the console's credentials page: each must be answered 2xx, as sent.
    for name, provider in _providers(control).items():
        for tenant in provider["tenants"]:
            example = tenant["example"]
            assert example is not None, f"{name} {tenant['id']} has no example request"
            answer = httpx.request(
                example["method"],
                sb.url + example["path"],
                params=example["query"],
                headers=example["headers"],
                content=example["body"],
                timeout=30,
            )
            assert 200 <= answer.status_code < 300, (name, tenant["id"], answer.text[:300])


def test_example_values_are_each_tenants_own(control):
    zoho = {t["id"]: t["example"] for t in _providers(control)["zoho"]["tenants"]}
    for account, example in zoho.items():
        assert example["query"] == {"account_id": account}
    zazpay = _providers(control)["zazpay"]["tenants"]
    assert [t["example"]["path"].split("/")[5] for t in zazpay] == [t["id"] for t in zazpay]


def test_resources_page_newest_first_with_cursors_that_cover_every_one(sb, control):
    query = {"provider": "zwitch", "tenant": ACCOUNT, "kind": "upi_collect", "limit": 7}
    first = control.get("/resources", params=query).json()
    seen, page = [], first
    while True:
        seen += [r["id"] for r in page["data"]]
        assert page["total"] == first["total"]
        if page["next_cursor"] is None:
            break
        page = control.get("/resources", params={**query, "after": page["next_cursor"]}).json()
    assert len(seen) == len(set(seen)) == first["total"]
    created = [r["created_at"] for r in first["data"]]
    assert created == sorted(created, reverse=True)
    row = first["data"][0]
    assert {"state", "allowed_events", "scheduled", "data"} <= set(row)


def test_resources_filter_by_state_and_default_to_the_first_tenant_and_kind(sb, zwitch, control):
    paid = collect(zwitch, remitter_vpa_handle="success@upi", merchant_reference_id=None)
    control.post(
        "/simulate", json={"provider": "zwitch", "resource_id": paid["id"], "event": "fail"}
    )
    failed = control.get("/resources", params={"provider": "zwitch", "state": "failed"}).json()
    assert (failed["tenant"], failed["kind"]) == (ACCOUNT, "upi_collect")
    assert failed["data"][0]["id"] == paid["id"]
    assert {r["state"] for r in failed["data"]} == {"failed"}
    assert failed["total"] == len(failed["data"]) or failed["next_cursor"]


@pytest.mark.parametrize(
    "params, status, words",
    [
        ({}, 400, "provider"),
        ({"provider": "nope"}, 404, "providers: zwitch"),
        ({"provider": "zwitch", "tenant": "acc_x"}, 404, "tenants: acc_1234567890"),
        ({"provider": "zwitch", "kind": "refund"}, 404, "kinds: upi_collect, payment_token"),
        ({"provider": "zwitch", "after": "garbage"}, 400, "not a cursor"),
        ({"provider": "zwitch", "limit": 0}, 400, "limit"),
        ({"provider": "zwitch", "limit": 101}, 400, "limit"),
        ({"provider": "zwitch", "after": "x" * 2000}, 400, "after"),
    ],
)
def test_bad_listing_input_gets_the_control_error_shape(control, params, status, words):
    response = control.get("/resources", params=params)
    assert response.status_code == status, response.text
    assert words in response.json()["error"]["message"]


def test_a_cursor_from_another_order_is_refused(control):
    other = control.get("/resources", params={"provider": "zwitch", "limit": 1}).json()
    # Cursors are tied to their listing's order: tampering with the position is caught.
    forged = other["next_cursor"][:-4] + "AAAA"
    response = control.get("/resources", params={"provider": "zwitch", "after": forged})
    assert response.status_code == 400


def test_the_listing_query_reads_an_index_and_never_sorts(sb):
    store = sb.runtime.store
    for state in (None, "pending"):
        plan = store.explain("zwitch", ACCOUNT, "upi_collect", **listing_query(state))
        assert len(plan) == 1 and "USING COVERING INDEX resources_listing" in plan[0], plan
        assert not any("TEMP B-TREE" in step or step.startswith("SCAN") for step in plan)


def test_the_journal_tails_after_a_sequence_number(sb, zwitch, control):
    control.delete("/requests")
    zwitch.get("/v1/payments/pay_one")
    last = control.get("/requests", params={"limit": 1}).json()["data"][0]["seq"]
    zwitch.get("/v1/payments/pay_two")
    zwitch.get("/v1/payments/pay_three")
    fresh = control.get("/requests", params={"after": last}).json()["data"]
    assert [e["path"] for e in fresh] == [
        "/zwitch/v1/payments/pay_three",
        "/zwitch/v1/payments/pay_two",
    ]


def test_the_consoles_reads_are_not_journaled_but_its_actions_are(sb, control):
    control.delete("/requests")
    for path in ("/clock", "/providers", "/webhooks", "/timers"):
        assert control.get(path, headers=CONSOLE_READ).status_code == 200
    with sb.client() as browser:
        assert browser.get("/_console/console.js").status_code == 200
    control.post("/clock/advance", json={"seconds": 1}, headers=CONSOLE_READ)
    control.get("/clock")  # a read without the console's mark is journaled as before
    paths = [e["path"] for e in control.get("/requests").json()["data"]]
    assert paths == ["/_sandbox/clock", "/_sandbox/clock/advance"]


def test_deliveries_newest_first_and_by_tenant(sb, zwitch, zwitch_b, control):
    inbox = f"{sb.url}/_sandbox/inbox/console-api-test"
    for tenant in (ACCOUNT, "acc_2000000002"):
        control.put(f"/webhooks/endpoints/zwitch/{tenant}", json={"url": inbox})
    try:
        first = collect(zwitch, merchant_reference_id=None)
        second = collect(zwitch, merchant_reference_id=None)
        other = zwitch_b.post(
            "/v1/accounts/acc_2000000002/payments/upi/collect", json={"amount": 5}
        ).json()
        newest = control.get("/webhooks", params={"order": "newest", "provider": "zwitch"}).json()
        assert [d["resource_id"] for d in newest["data"][:3]] == [
            other["id"],
            second["id"],
            first["id"],
        ]
        mine = control.get("/webhooks", params={"tenant": ACCOUNT}).json()["data"]
        assert {d["tenant"] for d in mine} == {ACCOUNT}
        assert [d["resource_id"] for d in mine[-2:]] == [first["id"], second["id"]]
        bad = control.get("/webhooks", params={"order": "sideways"})
        assert bad.status_code == 400
    finally:
        for tenant in (ACCOUNT, "acc_2000000002"):
            control.delete(f"/webhooks/endpoints/zwitch/{tenant}")
