"""Ids: numeric per merchant and kind (as the seed's examples), yet one id names one
resource of a merchant, so `/_sandbox/resources/zazpay/{id}`, simulate, IPN counts and
timers never mix a vault up with a payment; ids shared by two merchants are told apart by
`tenant`."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import httpx
import pytest

from sandbox.providers.zazpay.seed import DEFAULT_TENANTS
from sandbox.pytest_plugin import TEST_CONFIG
from sandbox.server import Sandbox
from tests.providers.zazpay.conftest import A
from tests.providers.zazpay.helpers import PAYMENT, SUBSCRIPTION, snapshot

VAULT = {
    "email": "fred@example.com",
    "credit_card_number": "4111111111111111",
    "credit_card_expire": "10/2030",
    "credit_card_name_on_card": "Fred Barley",
    "credit_card_type": "visa",
    "user_handle": "fred",
    "address": "First Street",
    "city": "Chennai",
    "state": "Tamil Nadu",
    "country": "IN",
    "zip_code": "600001",
    "phone": "9999999999",
}


@pytest.fixture
def counted_from_1000(conformance):
    """A sandbox whose merchants set no `id_bases`: every kind of every merchant counts
    from 1000, so numbers of different kinds (and merchants) meet at once."""
    tenants = [t.to_dict() for t in DEFAULT_TENANTS]
    for tenant in tenants:
        tenant["profile"].pop("id_bases")
    config = replace(TEST_CONFIG, providers=["zazpay"], tenants={"zazpay": tenants})
    with (
        Sandbox(config) as sb,
        httpx.Client(base_url=sb.url, event_hooks={"response": [conformance]}) as client,
    ):
        yield sb, client


def test_one_merchant_never_gives_two_kinds_the_same_id(counted_from_1000):
    sb, client = counted_from_1000
    api = "/zazpay/api/v1/merchants/9418"
    vault = client.post(f"{api}/websites/123456/vaults/type/cc", data=VAULT, headers=A).json()
    payment = client.post(f"{api}/gateways/2504/payments/auth", data=PAYMENT, headers=A).json()
    rows = snapshot(sb)
    per_merchant = Counter(
        (r.tenant, r.id)
        for tenant in sb.runtime.tenants["zazpay"]
        for kind in ("payment", "vault", "receiver", "subscription")
        for r in sb.runtime.store.query("zazpay", tenant.id, kind, limit=10_000).records
    )
    assert [key for key, count in per_merchant.items() if count > 1] == []
    assert len(rows) == len(per_merchant)
    for resource, kind in ((vault, "vault"), (payment, "payment")):
        found = client.get(
            f"/_sandbox/resources/zazpay/{resource['id']}", params={"tenant": "9418"}
        ).json()
        assert (found["kind"], found["tenant"]) == (kind, "9418")
    moved = client.post(
        "/_sandbox/simulate",
        json={
            "provider": "zazpay",
            "resource_id": payment["id"],
            "tenant": "9418",
            "event": "void",
        },
    )
    assert moved.status_code == 200 and moved.json()["kind"] == "payment"


def test_an_id_two_merchants_hold_is_named_with_its_tenant(counted_from_1000):
    sb, client = counted_from_1000
    # Both merchants' first receiver is 1001: the id alone is ambiguous.
    ambiguous = client.get("/_sandbox/resources/zazpay/1001")
    assert ambiguous.status_code == 409
    error = ambiguous.json()["error"]
    assert "tenant" in error["message"]
    assert error["matches"] == [
        {"tenant": "9418", "kind": "receiver"},
        {"tenant": "9419", "kind": "receiver"},
    ]
    for tenant in ("9418", "9419"):
        found = client.get("/_sandbox/resources/zazpay/1001", params={"tenant": tenant})
        assert (found.status_code, found.json()["tenant"]) == (200, tenant)
    by_kind = client.get("/_sandbox/resources/zazpay/1001", params={"kind": "vault"})
    assert by_kind.status_code == 404
    refused = client.post(
        "/_sandbox/simulate",
        json={"provider": "zazpay", "resource_id": "1001", "event": "delete"},
    )
    assert refused.status_code == 409
    assert sb.runtime.store.get("zazpay", "9419", "receiver", "1001").state != "deleted"


def test_the_default_merchants_vault_numbers_step_over_a_subscription(sb, zazpay, control):
    # Vault numbers count from 25 (two a vault: its key draws on the same counter) and
    # subscription numbers from 209: the second subscription is 211, as is a later vault.
    subscription = zazpay.post(
        "/merchants/9418/websites/123456/subscribe/create", data=SUBSCRIPTION
    ).json()["subscription_id"]
    assert subscription == "211"
    path = "/merchants/9418/websites/123456/vaults/type/cc"
    ids = []
    while not ids or int(ids[-1]) < 211:
        ids.append(zazpay.post(path, data=VAULT).json()["id"])
    assert "211" not in ids
    assert control.get("/resources/zazpay/211").json()["kind"] == "subscription"
    assert control.get(f"/resources/zazpay/{ids[-1]}").json()["kind"] == "vault"
