"""ZazPay's seeded world (world.yaml): merchants, websites, plan and the gateways catalogue,
with the gateways-listing filters as pure functions over it.

Filter semantics (seed "Gateways Listing" names the filters without defining them; the
choices are recorded in specs/zazpay.yaml): a gateway matches the list filters
(countries, languages, currencies, actions) when one of its `supported_features` entries
contains every requested value, compared case-insensitively; `maximum_payable_amount`
keeps gateways that accept that amount; `valid_capture_period` those that hold an
authorization at least that many days; `is_capture_guarantee` those with that guarantee;
`preferred_gateways` only the listed ids. A group left without gateways is dropped, and
each group carries the `_form_fields_tpls` its remaining gateways extend.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

WORLD = Path(__file__).with_name("world.yaml")
ALL = "all"
KINDS = ("direct", "offsite", "manual")
SIMPLE_ACTIONS = ("Auth", "Auth-Capture", "Void", "Capture", "Refund")
MARKETPLACE_ACTIONS = tuple(f"Marketplace-{action}" for action in SIMPLE_ACTIONS)
ACTIONS = SIMPLE_ACTIONS + MARKETPLACE_ACTIONS


@lru_cache(maxsize=1)
def world() -> Mapping[str, Any]:
    """The parsed world.yaml, with `all` expanded to the full country / language lists."""
    data = yaml.load(WORLD.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    for group in data["groups"]:
        for gateway in group["gateways"]:
            for feature in gateway["supported_features"]:
                for key in ("countries", "languages"):
                    if feature[key] == ALL:
                        feature[key] = list(data[key])
    return data


def iso2_countries() -> frozenset[str]:
    """Every ISO2 country code (buyer_country / country must be one: payments bit 45)."""
    return frozenset(world()["countries"])


def is_iso2(code: str) -> bool:
    """Whether `code` is an ISO2 country code (case-insensitive, like the filters)."""
    return code.upper() in iso2_countries()


def canonical_action(name: str) -> str | None:
    """`auth-capture` / `AUTH-CAPTURE` / `marketplace_auth` → `Auth-Capture` / ...; None if
    ZazPay has no such action."""
    wanted = name.replace("_", "-").lower()
    return next((action for action in ACTIONS if action.lower() == wanted), None)


@dataclass(frozen=True)
class Gateway:
    """One gateway of the catalogue: its answered shape and what the sandbox needs."""

    id: int
    name: str
    group_id: int
    kind: str
    maximum_payable_amount: Decimal | None
    is_capture_guarantee: bool
    valid_capture_period: int
    fee_formula: str
    confirmation_token: str
    templates: tuple[str, ...]
    features: tuple[Mapping[str, Any], ...]
    api: Mapping[str, Any] = field(repr=False)

    @property
    def actions(self) -> frozenset[str]:
        """Every action some feature entry supports."""
        return frozenset(a for feature in self.features for a in feature["actions"])

    def supports(self, action: str) -> bool:
        """Whether the gateway supports `action` (any spelling; otherwise bit 28)."""
        return canonical_action(action) in self.actions

    def required_fields(self) -> dict[str, bool]:
        """Fields of the templates this gateway extends → required? (bit 21 when missing)."""
        templates = world()["form_templates"]
        fields: dict[str, bool] = {}
        for name in self.templates:
            for key, rule in templates[name]["_fields"].items():
                fields[key] = fields.get(key, False) or bool(rule["required"])
        return fields

    @property
    def takes_cards(self) -> bool:
        """Card details or a vault key are needed (else bit 46)."""
        return "credit_card" in self.templates

    @property
    def needs_payment_note(self) -> bool:
        """A manual gateway: the buyer's `payment_note` is needed."""
        return "manual" in self.templates


def _gateway(group_id: int, raw: Mapping[str, Any]) -> Gateway:
    sandbox = raw["sandbox"]
    if sandbox["kind"] not in KINDS:
        raise ValueError(f"gateway {raw['id']}: kind must be one of {KINDS}")
    maximum = sandbox["maximum_payable_amount"]
    return Gateway(
        id=int(raw["id"]),
        name=str(raw["name"]),
        group_id=group_id,
        kind=sandbox["kind"],
        maximum_payable_amount=None if maximum is None else Decimal(str(maximum)),
        is_capture_guarantee=bool(sandbox["is_capture_guarantee"]),
        valid_capture_period=int(raw["valid_capture_period"]),
        fee_formula=str(raw["buyer_fees_formula"]),
        confirmation_token=str(raw["buyer_fees_payer_confirmation_token"]),
        templates=tuple(raw["_form_fields"]["_extends_tpl"]),
        features=tuple(raw["supported_features"]),
        api={k: v for k, v in raw.items() if k != "sandbox"},
    )


@lru_cache(maxsize=1)
def gateways() -> Mapping[int, Gateway]:
    """Every gateway of the catalogue by id."""
    found = {}
    for group in world()["groups"]:
        for raw in group["gateways"]:
            gateway = _gateway(int(group["id"]), raw)
            if gateway.id in found:
                raise ValueError(f"gateway id {gateway.id} appears twice in world.yaml")
            found[gateway.id] = gateway
    return found


def merchant(merchant_id: str) -> Mapping[str, Any] | None:
    """A seeded merchant's name, websites and enabled gateway ids; None if unknown."""
    return world()["merchants"].get(str(merchant_id))


def enabled_gateway(merchant_id: str, gateway_id: int | str) -> Gateway | None:
    """The gateway if it exists and the merchant enabled it (unknown: bit 23; not enabled:
    bit 22 — callers tell the two apart with `gateways()`)."""
    found = merchant(merchant_id)
    try:
        wanted = int(gateway_id)
    except ValueError:
        return None
    if found is None or wanted not in found["gateways"]:
        return None
    return gateways().get(wanted)


def website(merchant_id: str, website_id: str) -> Mapping[str, Any] | None:
    """One of the merchant's websites; None for an unknown or another merchant's."""
    found = merchant(merchant_id)
    if found is None:
        return None
    return next((w for w in found["websites"] if w["id"] == str(website_id)), None)


def plan_fields() -> Mapping[str, Any]:
    """The plan every seeded merchant is on (dates and counters are filled by the caller
    from the sandbox clock and the merchant's payments)."""
    return world()["plan"]


@dataclass(frozen=True)
class GatewayFilter:
    """The gateways-listing filters, parsed."""

    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    maximum_payable_amount: Decimal | None = None
    valid_capture_period: int | None = None
    is_capture_guarantee: bool | None = None
    preferred_gateways: tuple[int, ...] = ()

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> "GatewayFilter":
        """From the query parameters as the spec lets them through (comma lists, numbers,
        true/false in any case)."""

        def items(name: str) -> tuple[str, ...]:
            raw = query.get(name)
            return tuple(v.strip() for v in str(raw).split(",") if v.strip()) if raw else ()

        amount = query.get("maximum_payable_amount")
        period = query.get("valid_capture_period")
        guarantee = query.get("is_capture_guarantee")
        return cls(
            countries=items("supported_countries"),
            languages=items("supported_languages"),
            currencies=items("supported_currencies"),
            actions=items("supported_actions"),
            maximum_payable_amount=None if amount is None else Decimal(str(amount)),
            valid_capture_period=None if period is None else int(period),
            is_capture_guarantee=None if guarantee is None else truthy(guarantee),
            preferred_gateways=tuple(int(v) for v in items("preferred_gateways")),
        )


def truthy(value: Any) -> bool:
    """The seed's "true/false" and "True/False" flags (a real bool passes through)."""
    return value is True or str(value).strip().lower() in ("true", "1")


def _lower(values: Iterable[str]) -> set[str]:
    return {v.lower() for v in values}


def _feature_matches(feature: Mapping[str, Any], wanted: GatewayFilter) -> bool:
    return (
        _lower(wanted.countries) <= _lower(feature["countries"])
        and _lower(wanted.languages) <= _lower(feature["languages"])
        and _lower(wanted.currencies) <= _lower(feature["currencies"])
        and _lower(wanted.actions) <= _lower(feature["actions"])
    )


def matches(gateway: Gateway, wanted: GatewayFilter) -> bool:
    """Whether one gateway passes every filter."""
    if wanted.preferred_gateways and gateway.id not in wanted.preferred_gateways:
        return False
    if wanted.maximum_payable_amount is not None and (
        gateway.maximum_payable_amount is not None
        and gateway.maximum_payable_amount < wanted.maximum_payable_amount
    ):
        return False
    if (
        wanted.valid_capture_period is not None
        and gateway.valid_capture_period < wanted.valid_capture_period
    ):
        return False
    if (
        wanted.is_capture_guarantee is not None
        and gateway.is_capture_guarantee != wanted.is_capture_guarantee
    ):
        return False
    return any(_feature_matches(feature, wanted) for feature in gateway.features)


def listed_groups(merchant_id: str, wanted: GatewayFilter = GatewayFilter()) -> list[dict]:
    """The gateways listing's `gateways` value for a merchant: groups of its enabled
    gateways that pass the filters, in the documented nested shape."""
    found = merchant(merchant_id)
    if found is None:
        return []
    enabled = set(found["gateways"])
    templates = world()["form_templates"]
    groups = []
    for group in world()["groups"]:
        kept = [
            gateways()[int(raw["id"])]
            for raw in group["gateways"]
            if int(raw["id"]) in enabled and matches(gateways()[int(raw["id"])], wanted)
        ]
        if not kept:
            continue
        used = [
            t
            for t in group["_form_fields_tpls"]
            if any(
                t in g.templates or t in g.api["_form_fields"].get("_extends_connect_tpl", ())
                for g in kept
            )
        ]
        answered = {k: v for k, v in group.items() if k not in ("gateways", "_form_fields_tpls")}
        answered["gateways"] = [copy.deepcopy(dict(g.api)) for g in kept]
        answered["_form_fields_tpls"] = {name: copy.deepcopy(templates[name]) for name in used}
        groups.append(answered)
    return groups


def marketplace_gateways(merchant_id: str) -> list[Gateway]:
    """The merchant's gateways a receiver can connect an account on (they support a
    marketplace action)."""
    found = merchant(merchant_id)
    if found is None:
        return []
    return [
        gateways()[gid]
        for gid in found["gateways"]
        if gateways()[gid].actions & set(MARKETPLACE_ACTIONS)
    ]
