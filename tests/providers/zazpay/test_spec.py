"""specs/zazpay.yaml: every operation of seed 001, its statuses, media types and shapes."""

from __future__ import annotations

import copy

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from sandbox.resources import spec_path

SPEC = yaml.safe_load(spec_path("zazpay").read_text())
M, W, G = "/api/v1/merchants/{merchant_id}", "/websites/{website_id}", "/gateways/{gateway_id}"

# Seed 001's URL lines (api/v1 prefix as the curl examples send it, website id in the
# receiver-create URL as its example does) → the handler each one is served by.
DOCUMENTED = {
    ("get", f"{M}{W}/plan"): "get_plan",
    ("get", f"{M}{W}/gateways"): "list_gateways",
    ("get", f"{M}/websites"): "list_websites",
    ("post", f"{M}{W}/vaults/type/cc"): "create_vault",
    ("post", f"{M}{W}/vaults/{{vault_id}}"): "update_vault",
    ("delete", f"{M}{W}/vaults/{{vault_id}}"): "delete_vault",
    ("get", f"{M}{W}/vaults"): "list_vaults",
    ("get", f"{M}{W}/users/{{user_handle}}/vaults"): "list_user_vaults",
    ("post", f"{M}{W}/subscribe/create"): "create_subscription",
    ("put", f"{M}{W}{G}/subscribe/{{subscription_id}}/cancel"): "cancel_subscription",
    ("get", f"{M}/subscribe/{{subscription_id}}"): "get_subscription",
    ("post", f"{M}{W}{G}/receiver_accounts"): "create_receiver_account",
    ("post", f"{M}{W}{G}/receiver_accounts/{{receiver_id}}"): "connect_receiver_account",
    ("delete", f"{M}{W}/receiver_accounts/{{receiver_id}}"): "delete_receiver_account",
    ("delete", f"{M}{W}{G}/receiver_accounts/{{receiver_id}}"): "delete_gateway_receiver_account",
    ("get", f"{M}{W}/receiver_accounts/{{receiver_id}}"): "list_receiver_accounts",
    ("get", f"{M}{W}{G}/receiver_accounts/{{receiver_id}}"): "list_gateway_receiver_accounts",
    ("post", f"{M}{G}/payments/auth"): "auth",
    ("post", f"{M}{G}/payments/{{payment_id}}/auth-capture"): "auth_capture",
    ("post", f"{M}{G}/payments/{{payment_id}}/void"): "void",
    ("post", f"{M}{G}/payments/capture"): "capture",
    ("post", f"{M}{G}/payments/{{payment_id}}/refund"): "refund",
    ("post", f"{M}{G}/payments/marketplace-auth"): "marketplace_auth",
    (
        "post",
        f"{M}{G}/payments/{{payment_id}}/marketplace-auth-capture",
    ): "marketplace_auth_capture",
    ("post", f"{M}{G}/payments/{{payment_id}}/marketplace-void"): "marketplace_void",
    ("post", f"{M}{G}/payments/marketplace-capture"): "marketplace_capture",
    ("post", f"{M}{G}/payments/{{payment_id}}/marketplace-refund"): "marketplace_refund",
    ("get", f"{M}{G}/payment/{{payment_id}}"): "get_payment",
    ("get", f"{M}/payments"): "list_payments",  # with and without ?website_id
}
# Forms real clients send that the URL lines do not list: SudoPay_API's payment details,
# and the vault listing's curl examples and pagination Links.
EXTRA = {
    ("get", f"{M}/payment/{{payment_id}}"): "get_payment_without_gateway",
    ("get", f"{M}{W}/vaults/type/cc"): "list_vaults_of_type",
    ("get", f"{M}{W}/type/cc"): "list_vaults_example_form",
    ("get", f"{M}{W}/users/{{user_handle}}/vaults/type/cc"): "list_user_vaults_of_type",
}
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def _resolve(node):
    while isinstance(node, dict) and "$ref" in node:
        target = SPEC
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def _properties(schema) -> dict:
    schema = _resolve(schema)
    found = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        found.update(_properties(part))
    return found


def _validator(schema) -> OAS30Validator:
    return OAS30Validator({**schema, "components": SPEC["components"]})


def test_the_spec_validates():
    validate(copy.deepcopy(SPEC))


def test_every_documented_operation_is_there_and_nothing_else():
    served = {(method, path): op["operationId"] for method, path, op in _operations()}
    assert len(DOCUMENTED) == 29  # the count
    assert served == {**DOCUMENTED, **EXTRA}


def test_the_website_list_takes_an_optional_website_id_and_pages():
    operation = SPEC["paths"][f"{M}/payments"]["get"]
    names = {_resolve(p)["name"]: _resolve(p) for p in operation["parameters"]}
    assert set(names) == {"merchant_id", "website_id", "page"}
    assert not names["website_id"].get("required", False)


def test_the_gateways_listing_takes_every_documented_filter():
    operation = SPEC["paths"][f"{M}{W}/gateways"]["get"]
    names = {_resolve(p)["name"] for p in operation["parameters"]}
    assert names >= {
        "supported_countries",
        "supported_languages",
        "supported_currencies",
        "supported_actions",
        "maximum_payable_amount",
        "valid_capture_period",
        "is_capture_guarantee",
        "return_metadata",
        "preferred_gateways",
    }


@pytest.mark.parametrize(
    "method, path, operation", list(_operations()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_statuses_and_the_error_object_on_every_answer(method, path, operation):
    responses = operation["responses"]
    assert {"200", "400", "401", "404", "429", "5XX"} <= set(responses)
    if "requestBody" in operation:
        assert {"413", "415"} <= set(responses)
    for status, response in responses.items():
        schema = _resolve(response)["content"]["application/json"]["schema"]
        props = _properties(schema)
        assert "error" in props, (status, path)
        assert "error" in _resolve(schema).get("required", []) or any(
            "error" in _resolve(part).get("required", [])
            for part in _resolve(schema).get("allOf", [])
        ), (status, path)


@pytest.mark.parametrize(
    "method, path, operation",
    [o for o in _operations() if "requestBody" in o[2]],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bodies_are_form_first_then_json_with_one_schema(method, path, operation):
    content = _resolve(operation["requestBody"])["content"]
    assert list(content) == ["application/x-www-form-urlencoded", "application/json"]
    form, json_ = (content[t]["schema"] for t in content)
    assert form == json_
    schema = _resolve(form)
    # Every field a form can carry is a typed string (Connexion's form parser needs `type`)
    # and x-/z-variables arrive as additional fields.
    assert schema["additionalProperties"]
    for name, prop in _properties(form).items():
        assert _resolve(prop).get("type") == "string", name
    example = content["application/x-www-form-urlencoded"].get("example")
    if example is not None:
        _validator(schema).validate(example)


def test_documented_key_spellings_are_kept():
    schemas = SPEC["components"]["schemas"]
    assert "subcription_status" in schemas["SubscriptionInitiated"]["properties"]
    assert "subcription_status" in schemas["SubscriptionCanceled"]["properties"]
    assert "Links" in schemas["Metadata"]["properties"]
    for name in ("PaymentDetails", "SubscriptionDetails"):
        assert {"x-vars", "z-vars"} <= set(schemas[name]["properties"])
    assert "currency" in schemas["MarketplacePaymentRequest"]["properties"]
    assert "currency_code" in schemas["PaymentRequest"]["properties"]


def test_http_basic_on_every_operation():
    assert SPEC["components"]["securitySchemes"]["MerchantBasic"] == {
        **SPEC["components"]["securitySchemes"]["MerchantBasic"],
        "type": "http",
        "scheme": "basic",
    }
    assert SPEC["security"] == [{"MerchantBasic": []}]
    assert all("security" not in op for _, _, op in _operations())


def test_the_description_records_suffixes_contradictions_and_codes():
    text = SPEC["info"]["description"]
    for needle in (
        ".json",
        ".xml",
        "payments?website_id=123456.json",
        "websites/{merchant_id}",
        "without `api/`",
        "`currency=USD`",
        "2^position",
        "-4",
        "-8",
        "281474976710656",
    ):
        assert needle in text, needle


ERROR_OK = {"code": 0, "message": []}

# The seed's example answers (lists shortened; the error object added where the seed
# omits it, since the sandbox puts it on every answer).
SEED_EXAMPLES = [
    (
        "Plan",
        {
            "id": 1,
            "name": "Enterprise",
            "brand": "Any Branding",
            "start_date": "2013-07-22T10:11:00+05:30",
            "end_date": "2013-08-22T10:11:00+05:30",
            "allowed_transaction_limit": 4000,
            "current_transaction_count": 21,
            "current_transaction_amount": 1138,
            "error": ERROR_OK,
        },
    ),
    (
        "WebsiteList",
        {
            "websites": [
                {
                    "id": "123456",
                    "domain_name": "example.com",
                    "receiver_count": "0",
                    "total_payment_amount": "442.0",
                    "total_payment_count": "7",
                }
            ],
            "error": ERROR_OK,
        },
    ),
    (
        "Vault",
        {
            "id": "123456",
            "user_handle": "xxxxx",
            "credit_card_type": "visa",
            "vault_key": "53b1d221-532c-428d-aaf1-0ece3aea7021",
            "masked_cc": "************5678",
            "error": ERROR_OK,
        },
    ),
    ("Deleted", {"status": "success", "error": ERROR_OK}),
    (
        "SubscriptionInitiated",
        {
            "subscription_id": "8536",
            "subcription_status": "Initiated",
            "gateway_callback_url": "https://zazpay.com/subscribe/100/52e5",
            "error": {"code": -4, "message": ["Initiated without error"]},
        },
    ),
    (
        "SubscriptionCanceled",
        {"status": "success", "subcription_status": "Canceled", "error": ERROR_OK},
    ),
    (
        "ReceiverAccount",
        {
            "id": 12434,
            "websites": {"id": "232", "name": "agriya.com"},
            "gateways": [{"id": 1, "name": "PaypalAdaptive"}, {"id": 2, "name": "Authorize.net"}],
            "error": ERROR_OK,
        },
    ),
    (
        "PaymentResult",
        {
            "id": "8536",
            "created": "2013-07-06T16:36:39+05:30",
            "modified": "2013-07-06T16:43:11+05:30",
            "status": "Authorized",
            "paykey": "53b1d221-532c-428d-aaf1-0ece3aea7021",
            "receiver": {"id": "2323", "amount": "19"},
            "marketplace_fees_payer": "receiver",
            "marketplace_fixed_merchant_amount": 12,
            "marketplace_variable_merchant_amount": "",
            "error": ERROR_OK,
        },
    ),
    (
        "PaymentResult",
        {
            "id": "8536",
            "status": "Initiated",
            "gateway_callback_url": "https://www.example.com/payment/checkout/52e5",
            "error": {"code": -4, "message": ["Initiated without error"]},
        },
    ),
    (
        "PaymentResult",
        {
            "id": "8536",
            "created": "2013-07-06T16:36:39+05:30",
            "modified": "2013-07-06T16:43:11+05:30",
            "status": "Refunded",
            "refunded_from": [
                {"marketplace_receiver_id": "2323", "amount": "19"},
                {"marketplace_merchant_id": "2323", "amount": "19"},
            ],
            "error": ERROR_OK,
        },
    ),
    (
        "PaymentDetails",
        {
            "id": 8517,
            "created": "2013-07-06T12:17:28+05:30",
            "modified": "2013-07-06T13:38:04+05:30",
            "amount": 100,
            "status": "Captured",
            "paykey": "5fed2864-1a1f-49a8-ace9-1fbe077d8e27",
            "item_name": "Signup Fee",
            "item_description": "Signup Fee",
            "action": "Void",
            "merchant": {"id": "2", "name": "Fred Barley"},
            "gateway": {"id": "2", "name": "Authorize.net"},
            "website": {"id": "123456", "name": "example.com"},
            "payment_histories": [
                {"created": "2013-07-06T12:29:20+05:30", "action": "Auth", "status": "Authorized"},
                {
                    "created": "2013-07-06T12:29:20+05:30",
                    "action": "Auth-Capture",
                    "status": "Captured",
                },
            ],
            "buyer": {
                "email": "test@example.com",
                "address": "First Street",
                "city": "Chennai",
                "state": "Tamil Nadu",
                "country": "IN",
            },
            "marketplace": {
                "receiver_id": "11",
                "receiver_amount": "435",
                "fees_payer": "receiver",
                "fixed_merchant_amount": "45",
                "variable_merchant_amount": "",
            },
            "ipn": {
                "count": 2,
                "latest_delivery_attempt_date": "2013-07-06T13:38:04+05:30",
                "latest_delivery_attempt_status": "Sent",
            },
            "x-vars": {},
            "z-vars": {"z-username": "james", "z-category": "Dress"},
            "error": ERROR_OK,
        },
    ),
    (
        "SubscriptionPayment",
        {
            "id": 22513,
            "created": "2015-08-21T15:10:23+05:30",
            "modified": "2015-08-21T15:10:24+05:30",
            "amount": 1.46,
            "original_amount": 1.00,
            "status": "Pending",
            "pending_reason": "multi_currency",
            "item_name": "Monthly subscription fee",
            "item_description": "Monthly subscription fee",
            "action": "Capture",
            "fees_payer": "BUYER",
            "merchant": {"id": 2, "name": "Fred Barley"},
            "website": {"id": 2, "name": "example.com"},
            "buyer": {"email": "test@example.com", "country": "IN"},
            "ipn": {
                "count": 0,
                "latest_delivery_attempt_date": "",
                "latest_delivery_attempt_status": "",
            },
            "error": {"code": -8, "message": ["Payment pending"]},
        },
    ),
]


@pytest.mark.parametrize("name, example", SEED_EXAMPLES, ids=[n for n, _ in SEED_EXAMPLES])
def test_the_seeds_example_answers_fit_the_schemas(name, example):
    _validator({"$ref": f"#/components/schemas/{name}"}).validate(example)


@pytest.mark.parametrize(
    "name, example",
    [
        ("PaymentResult", {"id": "1", "status": "Settled", "error": ERROR_OK}),
        ("PaymentResult", {"id": "1", "status": "Captured"}),
        ("Error", {"code": "0", "message": []}),
        ("Error", {"code": 0, "message": "ok"}),
        (
            "Metadata",
            {
                "page": 1,
                "page_count": 1,
                "total_count": 0,
                "Links": [{"self": "/a", "first": "/a"}],
            },
        ),
        (
            "SubscriptionInitiated",
            {
                "subscription_id": "1",
                "subscription_status": "Initiated",
                "gateway_callback_url": "https://x.test/",
                "error": ERROR_OK,
            },
        ),
    ],
)
def test_schemas_are_precise_enough_to_catch_drift(name, example):
    assert not _validator({"$ref": f"#/components/schemas/{name}"}).is_valid(example)
