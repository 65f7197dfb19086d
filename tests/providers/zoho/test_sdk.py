"""Zoho's official Python SDK (`zoho-payments`), unchanged, against the sandbox: only the
base URL differs, through the custom transport its client builder accepts."""

from __future__ import annotations

import pytest

zohopayments = pytest.importorskip("zohopayments")

from zohopayments import Edition, ZohoPayments  # noqa: E402
from zohopayments.exceptions import (  # noqa: E402
    AuthenticationException,
    InvalidRequestException,
    ResourceNotFoundException,
)
from zohopayments.net.default_http_client import DefaultHttpClient  # noqa: E402
from zohopayments.net.request import ZohoRequest  # noqa: E402
from zohopayments.params.payment import PaymentListParams  # noqa: E402

from tests.providers.zoho.conftest import ACCOUNT_A, TOKEN_A  # noqa: E402


class SandboxTransport(DefaultHttpClient):
    """The SDK's own transport, sending to the sandbox instead of Zoho."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def execute(self, request):
        real = Edition.IN.base_url
        assert request.url.startswith(real), request.url
        moved = (
            ZohoRequest.builder()
            .method(request.method)
            .url(self.base_url + request.url[len(real) :])
        )
        for name, values in request.headers.items():
            for value in values:
                moved.header(name, value)
        if request.body is not None:
            moved.body(request.body)
        if request.timeout is not None:
            moved.timeout(request.timeout)
        return super().execute(moved.build())


def client(sb, token: str = TOKEN_A, account: str = ACCOUNT_A):
    return (
        ZohoPayments.builder()
        .account_id(account)
        .edition(Edition.IN)
        .oauth_token(token)
        .http_client(SandboxTransport(f"{sb.url}/zoho/api/v1"))
        .build()
    )


def test_the_sdk_lists_pages_and_filters(sb):
    with client(sb) as zoho:
        first = zoho.payments().list(PaymentListParams(per_page=20, page=1))
        assert len(first.data) == 20
        context = first.page_context
        assert (
            context.page,
            context.per_page,
            context.total,
            context.total_pages,
            context.has_more_page,
        ) == (1, 20, 48, 3, True)
        last = zoho.payments().list(PaymentListParams(per_page=20, page=3))
        assert last.page_context.has_more_page is False
        refunded = zoho.payments().list(PaymentListParams(status="Status.Refunded", per_page=200))
        items = refunded.data
        assert items and {p.status for p in items} <= {"refunded", "partially_refunded"}
        upi = zoho.payments().list(PaymentListParams(payment_method_type="upi", per_page=200))
        items = upi.data
        assert items and all(p.payment_method.type == "upi" for p in items)


def test_the_sdk_retrieves_a_payment(sb):
    with client(sb) as zoho:
        listed = zoho.payments().list(PaymentListParams(per_page=1))
        summary = listed.data[0]
        payment = zoho.payments().get(summary.payment_id)
        assert payment.payment_id == summary.payment_id
        assert payment.amount == summary.amount and isinstance(payment.date, int)


def test_the_sdks_exceptions_carry_the_sandboxs_code_and_message(sb):
    with client(sb) as zoho:
        with pytest.raises(ResourceNotFoundException) as missing:
            zoho.payments().get("1987000000000001")
        assert missing.value.code_string == "1002"
        assert "does not exist" in missing.value.api_error_message
        with pytest.raises(InvalidRequestException) as invalid:
            zoho.payments().list(PaymentListParams(filter_by="ChargeDate.CustomDate"))
        assert invalid.value.code_string == "2" and "from_date" in invalid.value.api_error_message
    with client(sb, token="1000.sandbox.zoho.noscope") as zoho:
        with pytest.raises(AuthenticationException) as refused:
            zoho.payments().list()
        assert refused.value.code_string == "57"
        assert "ZohoPay.payments.READ" in refused.value.api_error_message
