"""Ids are counted per (provider, tenant): with the seed known, a tenant must not be able to
tell from its own ids how many payments other tenants made. Still deterministic."""

from __future__ import annotations

from tests.providers.zwitch.helpers import COLLECT_PATH, DOC_TOKEN_BODY

OTHER_ACCOUNT_PATH = COLLECT_PATH.replace("acc_1234567890", "acc_2000000002")


def _ids_of_b(sb, zwitch, zwitch_b, payments_by_a: int) -> list[str]:
    sb.reset()
    ids = [zwitch_b.post(OTHER_ACCOUNT_PATH, json={"amount": 5}).json()["id"]]
    for _ in range(payments_by_a):
        assert zwitch.post(COLLECT_PATH, json={"amount": 5}).status_code == 200
        token = {**DOC_TOKEN_BODY, "mtx": f"ORDER_2024_01_15_10{_}"}
        assert zwitch.post("/v1/pg/payment_token", json=token).status_code == 200
    ids.append(zwitch_b.post(OTHER_ACCOUNT_PATH, json={"amount": 5}).json()["id"])
    ids.append(zwitch_b.post("/v1/pg/payment_token", json=DOC_TOKEN_BODY).json()["id"])
    return ids


def test_another_tenants_activity_does_not_show_in_my_ids(sb, zwitch, zwitch_b):
    assert _ids_of_b(sb, zwitch, zwitch_b, 0) == _ids_of_b(sb, zwitch, zwitch_b, 3)


def test_tenants_never_share_an_id(sb, zwitch, zwitch_b):
    mine = zwitch.post(COLLECT_PATH, json={"amount": 5}).json()["id"]
    theirs = zwitch_b.post(OTHER_ACCOUNT_PATH, json={"amount": 5}).json()["id"]
    assert mine != theirs
    assert zwitch_b.get(f"/v1/payments/{mine}").status_code == 404
