"""The request path through both serving paths (the fast path and Connexion's stack): missing
and unusual content types, form bodies typed per schema, security checks, and every problem
of a request in its error."""

from __future__ import annotations

import httpx
import pytest

from tests.providers.formpay import API_KEY, TOKEN, sandbox_pair

ZWITCH = {"Authorization": "Bearer ak_test_sandbox:sk_test_sandbox"}
COLLECT = "/zwitch/v1/accounts/acc_1234567890/payments/upi/collect"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
KEY = {"X-Api-Key": API_KEY}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON_CT = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def pair():
    with sandbox_pair() as sandboxes:
        yield sandboxes


@pytest.fixture(params=["fast", "full"])
def sb(request, pair):
    """Each test runs against both paths; the fast one must serve what it compiled."""
    fast, full = pair
    chosen = fast if request.param == "fast" else full
    chosen.reset()
    return chosen


def _post(sb, path, content, headers=None):
    # httpx adds no Content-Type for raw content: the header is exactly the one given.
    return httpx.post(sb.url + path, content=content, headers=headers or {})


def _served(sb, provider, operation):
    return sb.app.fast.served[provider, operation] if sb.app.fast else None


def test_a_json_post_without_content_type_is_read_as_json_on_control_operations(sb):
    answer = _post(sb, "/_sandbox/clock/advance", b'{"seconds": 5}')
    assert answer.status_code == 200, answer.text
    assert answer.json()["now"] == "2024-01-15T10:00:05Z"
    answer = _post(
        sb, "/_sandbox/simulate", b'{"provider": "zwitch", "resource_id": "x", "event": "e"}'
    )
    assert answer.status_code == 404, answer.text
    answer = httpx.put(
        sb.url + "/_sandbox/webhooks/endpoints/zwitch/acc_1234567890",
        content=b'{"url": "http://127.0.0.1:9/hook"}',
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["url"] == "http://127.0.0.1:9/hook"


def test_a_json_post_without_content_type_is_read_as_json_on_provider_operations(sb):
    before = _served(sb, "zwitch", "create_upi_collect")
    answer = _post(sb, COLLECT, b'{"amount": 5, "payer_vpa": "a@upi"}', ZWITCH)
    assert answer.status_code == 200, answer.text
    assert answer.json()["amount"] == 5
    if before is not None:
        assert _served(sb, "zwitch", "create_upi_collect") == before + 1
    invalid = _post(sb, COLLECT, b'{"amount": "x"}', ZWITCH)
    assert invalid.status_code == 400
    assert invalid.json()["error"]["code"] == "validation_error"


def test_a_form_post_without_content_type_is_read_as_a_form(sb):
    answer = _post(sb, "/formpay/v1/charges", b"amount=5&currency=INR", BEARER)
    assert answer.status_code == 200, answer.text
    assert answer.json()["body"] == {"amount": 5, "currency": "INR"}


@pytest.mark.parametrize("content_type", ["application/merge-patch+json", "text/plain"])
def test_other_media_types_are_415_in_the_providers_shape(sb, content_type):
    answer = _post(sb, COLLECT, b'{"amount": 5}', {**ZWITCH, "Content-Type": content_type})
    assert answer.status_code == 415
    assert answer.json()["error"] == {
        "code": "unsupported_media_type",
        "message": f"Invalid Content-type ({content_type}), expected ['application/json']",
    }


def test_a_media_type_in_capitals_is_read_as_its_lower_case(sb):
    headers = {**ZWITCH, "Content-Type": "Application/JSON"}
    answer = _post(sb, COLLECT, b'{"amount": 5, "payer_vpa": "a@upi"}', headers)
    assert answer.status_code == 200, answer.text


def test_form_fields_are_typed_per_schema_and_repeated_fields_become_lists(sb):
    before = _served(sb, "formpay", "create_charge")
    answer = _post(
        sb,
        "/formpay/v1/charges",
        b"amount=500&currency=INR&capture=true&rate=1.5&tags=a&tags=b+c&note=caf%C3%A9",
        {**BEARER, **FORM},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["body"] == {
        "amount": 500,
        "currency": "INR",
        "capture": True,
        "rate": 1.5,
        "tags": ["a", "b c"],
        "note": "caf\u00e9",
    }
    if before is not None:
        assert _served(sb, "formpay", "create_charge") == before + 1


def test_every_problem_of_a_form_body_is_reported_first_one_as_the_message(sb):
    answer = _post(
        sb,
        "/formpay/v1/charges",
        b"amount=abc&currency=USD&note=far+too+long+a+note&tags=a&tags=b&tags=c&tags=d",
        {**BEARER, **FORM},
    )
    assert answer.status_code == 400
    error = answer.json()
    assert error["message"] == "Wrong type, expected 'integer' for requestBody parameter 'amount'"
    assert [(p["field"], p["rule"]) for p in error["problems"]] == [
        ("amount", "type"),
        ("currency", "enum"),
        ("tags", "maxItems"),
        ("note", "maxLength"),
    ]


def test_every_problem_of_a_json_body_is_reported_with_the_missing_fields_named(sb):
    answer = _post(sb, "/formpay/v1/refunds", b'{"reason": "too long", "x": 1}', {**KEY})
    assert answer.status_code == 400
    error = answer.json()
    assert error["message"] == "'amount' is a required property"
    assert [(p["field"], p["rule"]) for p in error["problems"]] == [
        ("amount", "required"),
        ("charge", "required"),
        ("x", "additionalProperties"),
        ("reason", "maxLength"),
    ]
    answer = _post(sb, "/formpay/v1/refunds", b'{"amount": 0, "charge": "ch_12"}', {**KEY})
    assert [(p["field"], p["rule"]) for p in answer.json()["problems"]] == [
        ("amount", "minimum"),
        ("charge", "pattern"),
    ]


def test_every_invalid_parameter_is_reported_in_connexions_order(sb):
    answer = httpx.get(sb.url + "/formpay/v1/ping", params={"n": "12", "word": "long"})
    assert answer.status_code == 400
    error = answer.json()
    assert error["message"] == "n: 12 is greater than the maximum of 9"
    assert [(p["location"], p["field"], p["rule"]) for p in error["problems"]] == [
        ("query", "n", "maximum"),
        ("query", "word", "maxLength"),
    ]


def test_zwitch_still_renders_the_first_problem_only(sb):
    answer = _post(sb, COLLECT, b'{"amount": -1, "remark": 5}', {**ZWITCH, **JSON_CT})
    assert answer.status_code == 400
    assert answer.json() == {
        "error": {
            "code": "validation_error",
            "message": "amount: -1 is less than the minimum of 1",
            "field": "amount",
        }
    }


def test_an_async_key_check_gets_the_required_scopes_and_the_request(sb):
    before = _served(sb, "formpay", "create_refund")
    answer = _post(
        sb,
        "/formpay/v1/refunds?dry=true",
        b'{"amount": 5, "charge": "ch_ab12"}',
        {**KEY, **JSON_CT},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"body": {"amount": 5, "charge": "ch_ab12"}, "scopes": [], "dry": True}
    if before is not None:
        assert _served(sb, "formpay", "create_refund") == before + 1
    refused = _post(sb, "/formpay/v1/refunds", b"{}", {"X-Api-Key": "nope", **JSON_CT})
    assert refused.status_code == 401
    assert refused.json()["message"].startswith("Provided apikey is not valid")
    refused = _post(sb, "/formpay/v1/charges", b"amount=1", {"Authorization": "Bearer nope"})
    assert refused.json()["message"].startswith("Provided token is not valid")


def test_oauth2_operations_are_left_to_connexion(pair):
    fast, _ = pair
    compiled = {(op.provider.name, op.operation_id) for op in fast.app.fast.operations}
    assert ("formpay", "create_charge") in compiled and ("formpay", "ping") in compiled
    assert ("formpay", "get_charge") not in compiled
    before = sum(fast.app.fast.served.values())
    answer = httpx.get(fast.url + "/formpay/v1/charges/ch_1", headers=BEARER)
    assert answer.status_code == 401
    assert answer.json()["code"] == "unauthorized"
    assert sum(fast.app.fast.served.values()) == before
