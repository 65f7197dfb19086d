"""Property: every settlement row reconciles, whatever the amounts and actions."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.config import SandboxConfig
from sandbox.providers.zaakpay import models
from sandbox.runtime import Runtime

RT = Runtime(
    SandboxConfig(providers=["zaakpay"], clock_start="2024-01-15T10:00:00Z", clock_frozen=True)
)
TENANT = RT.tenants["zaakpay"][0]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    paise=st.integers(min_value=1, max_value=models.MAX_AMOUNT),
    action=st.sampled_from(models.ACTIONS),
)
def test_settlement_amount_is_amount_less_fee_and_tax(paise, action):
    body = {"amount": f"{Decimal(paise) / 100:.2f}", "action": action}
    record = RT.create_resource(
        "zaakpay", TENANT, "transaction", body, RT.clock.now_ms(), "settled"
    )
    row = models.report_row(record)
    amount, fee, tax, settled = (
        Decimal(row[k])
        for k in ("amount", "partner_service_fee", "partner_service_tax", "settlement_amount")
    )
    assert amount == Decimal(paise) / 100
    assert settled == amount - fee - tax >= 0
    assert (fee == 0) == (action == "REFUND" or amount < Decimal("0.26"))
    assert row["settlement_date"] == "2024-01-16" and row["transaction_utr"].startswith("CMS")
