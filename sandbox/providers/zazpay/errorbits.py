"""ZazPay's error object: the seed's bit-position tables and how problems become a code.

The tables live once, in `specs/zazpay.yaml` under `x-error-bits` (the spec is the single
source of truth); this module reads them and turns a set of problems into
`{"code": Σ 2^position, "message": [description of each, in position order]}`.
Why 2^position and not 2^(position-1): the seed's failed subscription payment carries code
281474976710656 = 2^48 "Subscription Payment Failed", the position right after the payments
table's last (47), so positions start at bit 1 and bit 0 (code 1) is free; the sandbox uses
code 1 for problems no table covers (authentication, unknown route, body limits, rate
limits). Codes that are not bit sums come from the seed: 0 success, -4 "Initiated without
error", -8 "Payment pending".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping

import yaml

from sandbox.resources import spec_path

SUCCESS = 0
INITIATED = -4
INITIATED_MESSAGE = "Initiated without error"
PENDING = -8
PENDING_MESSAGE = "Payment pending"
UNTABLED = 1  # bit 0: no table has a position 0

# Which table each operation's errors use (seed: "Error Messages in ..."). The seed has no
# table for the current plan; its errors are untabled. "Receivers" (connect, delete) and
# "Create Receiver Account" (step 1) are two tables with near-identical rows.
OPERATION_TABLES: Mapping[str, str | None] = {
    "get_plan": None,
    "list_gateways": "gateways_listing",
    "list_websites": "websites_listing",
    "create_vault": "vault",
    "update_vault": "vault",
    "delete_vault": "vault",
    "list_vaults": "vault",
    "list_vaults_of_type": "vault",
    "list_vaults_example_form": "vault",
    "list_user_vaults": "vault",
    "list_user_vaults_of_type": "vault",
    "create_subscription": "subscriptions",
    "cancel_subscription": "subscriptions",
    "get_subscription": "subscriptions",
    "create_receiver_account": "create_receiver_account",
    "connect_receiver_account": "receivers",
    "delete_receiver_account": "receivers",
    "delete_gateway_receiver_account": "receivers",
    "list_receiver_accounts": "receiver_accounts_listing",
    "list_gateway_receiver_accounts": "receiver_accounts_listing",
    **{
        op: "payments"
        for op in (
            "auth",
            "auth_capture",
            "void",
            "capture",
            "refund",
            "marketplace_auth",
            "marketplace_auth_capture",
            "marketplace_void",
            "marketplace_capture",
            "marketplace_refund",
        )
    },
    "get_payment": "payment_details",
    "get_payment_without_gateway": "payment_details",
    "list_payments": "payments_listing",
}

# field → (position when missing, position when invalid), per table; None: the table has
# no such row. Fields not listed fall back to the table's DEFAULT_FIELD_BITS.
FIELD_BITS: Mapping[str, Mapping[str, tuple[int | None, int | None]]] = {
    "payments": {
        "merchant_id": (1, 8),
        "website_id": (2, 9),
        "amount": (3, 11),
        "currency_code": (4, 12),
        "currency": (4, 12),
        "action": (5, 13),
        "item_name": (6, 41),
        "item_description": (7, 41),
        "signature": (None, 14),
        "cancel_url": (40, 15),
        "success_url": (39, 16),
        "notify_url": (None, 17),
        "gateway_id": (None, 23),
        "marketplace_receiver_id": (29, 31),
        "marketplace_receiver_amount": (30, 32),
        "marketplace_fixed_merchant_amount": (33, 33),
        "marketplace_variable_merchant_amount": (33, 33),
        "buyer_country": (21, 45),
        "buyer_fees_payer_confirmation_token": (44, 44),
        "credit_card_number": (46, 41),
        "vault_key": (46, 47),
        "paykey": (41, 41),
    },
    "vault": {
        "merchant_id": (1, 3),
        "website_id": (2, 4),
        "signature": (None, 6),
        "country": (7, 8),
        "vault_id": (None, 9),
    },
    "subscriptions": {
        "website_id": (1, 37),
        "buyer_email": (2, 15),
        "buyer_city": (3, 15),
        "buyer_country": (4, 42),
        "buyer_phone": (5, 15),
        "buyer_zip_code": (6, 15),
        "a3": (7, 20),
        "p3": (8, 21),
        "t3": (9, 22),
        "item_name": (10, 15),
        "item_description": (11, 15),
        "success_url": (12, 17),
        "cancel_url": (13, 16),
        "notify_url": (14, 18),
        "signature": (None, 19),
        "a2": (None, 23),
        "p2": (24, 25),
        "t2": (26, 27),
        "a1": (48, 28),
        "p1": (29, 30),
        "t1": (31, 32),
        "merchant_id": (35, 36),
        "currency_code": (38, 39),
        "currency": (38, 39),
        "buyer_fees_payer_confirmation_token": (43, 44),
        "subscription_id": (None, 45),
        "buyer_address": (46, 15),
    },
    "create_receiver_account": {
        "name": (1, 8),
        "email": (2, 8),
        "notify_url": (3, 6),
        "return_url": (4, 7),
        "website_id": (5, 5),
    },
    "receivers": {
        "name": (1, 8),
        "email": (2, 8),
        "notify_url": (3, 6),
        "return_url": (4, 7),
        "website_id": (5, 5),
    },
}
# Any other field: payments "Validation failed. The fields required for chosen gateway..."
# when missing, "Invalid user input." when invalid; the others their "Validation failed".
DEFAULT_FIELD_BITS: Mapping[str, tuple[int, int]] = {
    "payments": (21, 41),
    "vault": (7, 7),
    "subscriptions": (15, 15),
    "create_receiver_account": (8, 8),
    "receivers": (8, 8),
}

# An unknown (or another merchant's) resource named in the path → the table's position.
NOT_FOUND_BITS: Mapping[str, Mapping[str, int]] = {
    "payments": {
        "merchant": 8,
        "website": 9,
        "gateway": 23,
        "payment": 41,
        "vault": 47,
        "receiver": 31,
    },
    "vault": {"merchant": 3, "website": 4, "vault": 9},
    "subscriptions": {"merchant": 36, "website": 37, "gateway": 50, "subscription": 45},
    "create_receiver_account": {"website": 5},
    "receivers": {"website": 5},
    "payment_details": {"merchant": 1, "gateway": 1, "payment": 1},
}


@lru_cache(maxsize=1)
def tables() -> Mapping[str, Mapping[int, str]]:
    """Every table of the seed, by name: position → description (from the spec)."""
    spec = yaml.load(spec_path("zazpay").read_text(), Loader=_loader())
    return {
        name: {int(position): str(text) for position, text in rows.items()}
        for name, rows in spec["x-error-bits"].items()
    }


def _loader() -> Any:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, order=True)
class Problem:
    """One row of one table: what went wrong with a request."""

    table: str
    position: int

    def __post_init__(self) -> None:
        if self.position not in tables().get(self.table, {}):
            raise KeyError(f"no position {self.position} in ZazPay table {self.table!r}")

    @property
    def message(self) -> str:
        """The seed's description of this problem."""
        return tables()[self.table][self.position]


def code_of(positions: Iterable[int]) -> int:
    """The numeric code for a set of bit positions: Σ 2^position (each counted once)."""
    return sum(1 << position for position in set(positions))


def positions_of(code: int) -> list[int]:
    """The bit positions a (positive) code sets, lowest first; [] for 0 and the statuses."""
    if code <= 0:
        return []
    return [bit for bit in range(code.bit_length()) if code >> bit & 1]


def error_object(problems: Iterable[Problem]) -> dict[str, Any]:
    """`{"code", "message"}` for problems of one table: every bit set, every message listed
    in position order. No problems → success."""
    found = sorted(set(problems))
    if len({p.table for p in found}) > 1:
        raise ValueError("one answer reports problems of one table")
    return {"code": code_of(p.position for p in found), "message": [p.message for p in found]}


def success() -> dict[str, Any]:
    """The error object of a successful answer."""
    return {"code": SUCCESS, "message": []}


def initiated() -> dict[str, Any]:
    """The error object of an offsite payment or subscription awaiting the buyer."""
    return {"code": INITIATED, "message": [INITIATED_MESSAGE]}


def pending() -> dict[str, Any]:
    """The error object of a payment the gateway has not settled yet."""
    return {"code": PENDING, "message": [PENDING_MESSAGE]}


def untabled(message: str) -> dict[str, Any]:
    """The error object for a problem no table covers (code 1), with what to fix."""
    return {"code": UNTABLED, "message": [message]}


def field_problem(table: str, field: str, missing: bool) -> Problem | None:
    """The problem a missing or invalid request field sets in `table` (None when the table
    has no row for it, e.g. the listing tables)."""
    default = DEFAULT_FIELD_BITS.get(table)
    bits = FIELD_BITS.get(table, {}).get(field, default)
    if bits is None:
        return None
    position = bits[0] if missing else bits[1]
    if position is None and default is not None:
        position = default[0] if missing else default[1]
    return None if position is None else Problem(table, position)


def not_found_problem(table: str | None, resource: str) -> Problem | None:
    """The problem an unknown or foreign `resource` (merchant, website, gateway, payment,
    vault, receiver, subscription) sets in `table`; None: answer untabled (code 1)."""
    if table is None:
        return None
    position = NOT_FOUND_BITS.get(table, {}).get(resource)
    return None if position is None else Problem(table, position)
