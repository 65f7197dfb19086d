"""The spec-conformance hook used by every HTTP test can fail (a check that cannot fail
proves nothing)."""

from __future__ import annotations

import datetime

import httpx
import pytest
from schemathesis.core.failures import FailureGroup

from tests.conftest import SpecConformance


def _response(status, body, path="/zwitch/v1/payments/pay_1", method="GET"):
    request = httpx.Request(method, "http://sandbox" + path)
    response = httpx.Response(status, json=body, request=request)
    response.elapsed = datetime.timedelta(0)  # set by httpx only for responses it received
    return response


def test_an_undocumented_status_is_caught():
    with pytest.raises(AssertionError, match="does not document"):
        SpecConformance()(_response(418, {"error": {"code": "x", "message": "y"}}))


def test_a_body_outside_the_schema_is_caught():
    with pytest.raises(FailureGroup, match="distinct failures"):
        SpecConformance()(_response(200, {"id": "pay_1", "amount": "100.50"}))


def test_a_conforming_response_passes():
    checker = SpecConformance()
    checker(_response(404, {"error": {"code": "payment_not_found", "message": "No payment."}}))
    assert checker.checked == 1
