"""Property: however a payment is captured, refunded and disputed, Zoho's money fields
reconcile (seed 004) and the status agrees with them."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.config import SandboxConfig
from sandbox.lifecycle import IllegalTransition
from sandbox.providers.zoho import models
from sandbox.runtime import Runtime

RT = Runtime(
    SandboxConfig(providers=["zoho"], clock_start="2024-01-15T10:00:00Z", clock_frozen=True)
)
TENANT = RT.tenants["zoho"][0]

steps = st.lists(
    st.one_of(
        st.tuples(st.just("refund"), st.integers(min_value=1, max_value=10**9)),
        st.tuples(st.just("refund_rest"), st.none()),
        st.tuples(st.sampled_from(["dispute", "win_dispute", "lose_dispute"]), st.none()),
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(paise=st.integers(min_value=1, max_value=models.MAX_AMOUNT), actions=steps)
def test_money_fields_always_reconcile(paise, actions):
    amount = f"{Decimal(paise) / 100:.2f}"
    record = RT.create_resource(
        "zoho", TENANT, "payment", {"amount": amount}, RT.clock.now_ms(), "succeeded"
    )
    for action, value in actions:
        params = {}
        if action == "refund":
            params = {"amount": f"{Decimal(value) / 100:.2f}"}
        try:
            record = RT.engine.apply(
                "zoho",
                TENANT.id,
                "payment",
                record.id,
                "refund" if action == "refund_rest" else action,
                params=params,
            )
        except IllegalTransition:
            pass
        except (
            Exception
        ) as exc:  # a refund larger than what is left is refused, and changes nothing
            assert action == "refund" and "at most" in str(exc)
        record = RT.store.get("zoho", TENANT.id, "payment", record.id)
        view = models.payment_view(record)
        money = {
            k: Decimal(view[k])
            for k in (
                "amount",
                "amount_captured",
                "amount_refunded",
                "fee_amount",
                "net_tax_amount",
                "total_fee_amount",
                "net_amount",
            )
        }
        assert money["total_fee_amount"] == money["fee_amount"] + money["net_tax_amount"]
        assert (
            money["net_amount"]
            == money["amount_captured"] - money["amount_refunded"] - money["total_fee_amount"]
        )
        assert money["amount_captured"] == money["amount"]
        assert 0 <= money["amount_refunded"] <= money["amount_captured"]
        if view["status"] != "disputed":
            partial = 0 < money["amount_refunded"] < money["amount_captured"]
            assert (view["status"] == "partially_refunded") == partial
            assert (view["status"] == "refunded") == (
                money["amount_refunded"] == money["amount_captured"]
            )
