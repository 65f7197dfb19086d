"""ZazPay's seeded world: the gateways catalogue, its filters, websites, plan and paging."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml
from openapi_schema_validator import OAS30Validator

from sandbox.providers.zazpay import catalogue, paging
from sandbox.providers.zazpay.catalogue import GatewayFilter, listed_groups
from sandbox.resources import spec_path

SPEC = yaml.safe_load(spec_path("zazpay").read_text())


def _schema(name: str) -> OAS30Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": SPEC["components"]}
    return OAS30Validator(schema)


def _ids(groups) -> list[int]:
    return [g["id"] for group in groups for g in group["gateways"]]


def test_the_catalogue_has_the_gateways_the_issue_asks_for():
    gateways = catalogue.gateways()
    direct = [g for g in gateways.values() if g.kind == "direct" and g.takes_cards]
    assert any(g.actions == set(catalogue.ACTIONS) for g in direct)
    assert any(g.kind == "offsite" for g in gateways.values())
    manual = [g for g in gateways.values() if g.kind == "manual"]
    assert manual and all(g.needs_payment_note for g in manual)
    assert manual[0].required_fields()["payment_note"] is True
    limited = gateways[2506]
    assert limited.supports("capture") and not limited.supports("auth")
    assert not limited.supports("marketplace-capture")


def test_every_list_entry_is_a_string_and_every_country_iso2():
    for gateway in catalogue.gateways().values():
        for feature in gateway.features:
            for key, values in feature.items():
                assert all(isinstance(v, str) for v in values), (gateway.id, key)
            assert set(feature["countries"]) <= catalogue.iso2_countries()
            assert set(feature["actions"]) <= set(catalogue.ACTIONS)
    assert "NO" in catalogue.iso2_countries() and catalogue.is_iso2("in")
    assert not catalogue.is_iso2("ZZ")


def test_the_listing_has_the_documented_nested_shape():
    validator = _schema("GatewayList")
    answer = {"gateways": listed_groups("9418"), "error": {"code": 0, "message": []}}
    validator.validate(answer)
    cards = answer["gateways"][0]
    assert cards["name"] == "Credit & Debit Cards"
    assert set(cards["_form_fields_tpls"]) == {"buyer", "credit_card", "bank"}
    balanced = cards["gateways"][0]
    assert "sandbox" not in balanced
    assert balanced["_form_fields"]["_extends_tpl"] == ["buyer", "credit_card"]
    assert balanced["buyer_fees_formula"] == "((amount * 102.9) +30)/100"
    # The seed's templates, verbatim.
    assert cards["_form_fields_tpls"]["buyer"]["_fields"]["buyer_state"] == {"required": False}


def test_listing_answers_are_copies():
    listed_groups("9418")[0]["gateways"][0]["name"] = "changed"
    assert listed_groups("9418")[0]["gateways"][0]["name"] == "Balanced"


def test_merchants_see_only_their_enabled_gateways():
    assert _ids(listed_groups("9418")) == [2504, 2506, 1, 6100]
    assert _ids(listed_groups("9419")) == [2504, 2506, 1]
    assert listed_groups("1") == []
    assert catalogue.enabled_gateway("9419", "6100") is None
    assert catalogue.enabled_gateway("9418", "6100").kind == "manual"
    assert catalogue.enabled_gateway("9418", "nope") is None


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, [2504, 2506, 1, 6100]),
        ({"supported_countries": "IN,US"}, [2504, 2506, 1]),
        ({"supported_countries": "kr"}, [2504, 1]),
        ({"supported_languages": "en,es"}, [2504, 1]),
        ({"supported_languages": "hi"}, [2504, 6100]),
        ({"supported_currencies": "INR"}, [2504, 6100]),
        ({"supported_currencies": "usd,eur"}, [2504, 1]),
        ({"supported_actions": "auth,marketplace-auth"}, [2504, 1]),
        ({"supported_actions": "capture"}, [2504, 2506, 1, 6100]),
        ({"supported_actions": "Auth"}, [2504, 1, 6100]),
        ({"maximum_payable_amount": "50000"}, [2504, 6100]),
        ({"maximum_payable_amount": "10000"}, [2504, 2506, 1, 6100]),
        ({"valid_capture_period": "8"}, [1, 6100]),
        ({"valid_capture_period": "90"}, []),
        ({"is_capture_guarantee": "true"}, [2504]),
        ({"is_capture_guarantee": "False"}, [2506, 1, 6100]),
        ({"preferred_gateways": "6100,1"}, [1, 6100]),
        # The seed's example request, all filters at once.
        (
            {
                "supported_countries": "IN,US",
                "supported_languages": "en,es",
                "supported_currencies": "USD,EUR",
                "maximum_payable_amount": "1000",
                "valid_capture_period": "90",
                "is_capture_guarantee": "true",
                "supported_actions": "auth,capture,marketplace-auth",
            },
            [],
        ),
        (
            {
                "supported_countries": "IN,US",
                "supported_currencies": "USD,EUR",
                "maximum_payable_amount": "1000",
                "valid_capture_period": "7",
                "is_capture_guarantee": "true",
                "supported_actions": "auth,capture,marketplace-auth",
            },
            [2504],
        ),
    ],
)
def test_filters(query, expected):
    assert _ids(listed_groups("9418", GatewayFilter.from_query(query))) == expected


def test_a_feature_entry_must_hold_every_requested_value_at_once():
    gateway = catalogue.gateways()[2506]
    split = {**gateway.__dict__}
    split["features"] = (
        {**gateway.features[0], "currencies": ["USD"], "countries": ["US"]},
        {**gateway.features[0], "currencies": ["EUR"], "countries": ["GB"]},
    )
    two = catalogue.Gateway(**split)
    assert catalogue.matches(two, GatewayFilter(currencies=("EUR",), countries=("GB",)))
    assert not catalogue.matches(two, GatewayFilter(currencies=("EUR",), countries=("US",)))


def test_groups_carry_only_the_templates_their_gateways_use():
    groups = listed_groups("9418", GatewayFilter(preferred_gateways=(2506,)))
    assert set(groups[0]["_form_fields_tpls"]) == {"buyer", "credit_card"}


def test_filter_parsing():
    parsed = GatewayFilter.from_query(
        {
            "supported_countries": " IN, US ,",
            "maximum_payable_amount": 12.5,
            "is_capture_guarantee": "TRUE",
            "preferred_gateways": "1,2504",
        }
    )
    assert parsed.countries == ("IN", "US")
    assert parsed.maximum_payable_amount == Decimal("12.5")
    assert parsed.is_capture_guarantee is True and parsed.preferred_gateways == (1, 2504)


def test_websites_follow_design_md():
    assert catalogue.website("9418", "123456")["domain_name"] == "example.com"
    assert catalogue.website("9419", "223456") is not None
    assert catalogue.website("9419", "123456") is None  # another merchant's
    assert catalogue.merchant("9418")["name"] == "Fred Barley"
    assert catalogue.plan_fields()["api_enabled"] is True


def test_marketplace_gateways_are_those_with_a_marketplace_action():
    assert [g.id for g in catalogue.marketplace_gateways("9418")] == [2504, 1]


def test_action_spellings():
    assert catalogue.canonical_action("marketplace-auth-capture") == "Marketplace-Auth-Capture"
    assert catalogue.canonical_action("AUTH_CAPTURE") == "Auth-Capture"
    assert catalogue.canonical_action("settle") is None


def test_paging_links_match_the_seeds_shape():
    meta = paging.metadata("/merchants/123/payments", 5, 521, {"website_id": "123456"})
    assert (meta["page"], meta["page_count"], meta["total_count"]) == (5, 27, 521)
    assert meta["Links"][0] == {"self": "/merchants/123/payments?website_id=123456&page=5"}
    assert meta["Links"][2] == {"previous": "/merchants/123/payments?website_id=123456&page=4"}
    first = paging.metadata("/merchants/9418/gateways.json", 1, 4)
    assert first["Links"][2:4] == [{"previous": ""}, {"next": ""}]
    assert first["Links"][0] == {"self": "/merchants/9418/gateways.json?page=1"}
    assert paging.metadata("/x", 1, 0)["page_count"] == 1
    _schema("Metadata").validate(meta)
    assert list(paging.window(list(range(45)), 3)) == [40, 41, 42, 43, 44]
    assert list(paging.window(list(range(45)), 4)) == []
