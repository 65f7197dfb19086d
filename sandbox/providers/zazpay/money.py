"""ZazPay money: gateway fee formulas, marketplace splits and refund splits, in exact Decimal.

Rules (seed "Marketplace-Auth" arguments, gateways listing `buyer_fees_formula`; where the
seed is silent the choice is the sandbox's and recorded in specs/zazpay.yaml):
- A gateway's `buyer_fees_formula` gives the buyer's total for an `amount`, e.g.
  `((amount * 100) +0.0)/100` (no fee) or `((amount * 102.9) +30)/100` (2.9 % + 0.30).
  The fee is that total, rounded half-up to the cent, minus the amount (never below 0).
- A marketplace payment splits `amount` into the receiver's amount and the merchant's,
  either fixed or a percentage of the amount (rounded half-up to the cent); the two must sum
  to the amount exactly (bit 34), neither may be negative (bits 32 / 33).
- The fees payer bears the fee: `buyer` pays amount + fee; `receiver` / `merchant` nets
  its share minus the fee (a share smaller than the fee: bit 32 / 33).
- A refund is split between receiver and merchant in proportion to their shares of the
  amount (receiver's part rounded half-up, merchant's the rest), so it always sums to the
  refunded amount; a full refund (100 % reversal) returns everything the buyer paid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation, localcontext

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
FEES_PAYERS = ("buyer", "receiver", "merchant")
MAX_FORMULA_LENGTH = 200
MAX_FORMULA_DEPTH = 20

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?|\.\d+)|(amount)|([-+*/()]))")


class SplitError(ValueError):
    """A split the seed's rules refuse; `positions` are the payments-table bits to set."""

    def __init__(self, message: str, positions: tuple[int, ...]) -> None:
        super().__init__(message)
        self.positions = positions


def cents(value: Decimal) -> Decimal:
    """Rounded half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class FeeFormula:
    """A parsed `buyer_fees_formula`: arithmetic over `amount`, never `eval`."""

    text: str
    _tree: tuple

    @classmethod
    def parse(cls, text: str) -> "FeeFormula":
        """Parses numbers, `amount`, + - * / and parentheses; anything else is refused."""
        if len(text) > MAX_FORMULA_LENGTH:
            raise ValueError(f"fee formula longer than {MAX_FORMULA_LENGTH} characters")
        tokens = _tokenize(text)
        tree, rest = _expression(tokens, 0)
        if rest:
            raise ValueError(f"unexpected {rest[0]!r} in fee formula {text!r}")
        return cls(text, tree)

    def total(self, amount: Decimal) -> Decimal:
        """The buyer's total for `amount`, rounded half-up to the cent."""
        with localcontext() as context:
            context.prec = 34
            try:
                return cents(_evaluate(self._tree, amount))
            except (DivisionByZero, InvalidOperation) as exc:
                raise ValueError(f"fee formula {self.text!r} cannot be evaluated") from exc

    def fee(self, amount: Decimal) -> Decimal:
        """What the gateway charges on `amount` (a formula never pays the buyer: ≥ 0)."""
        return max(self.total(amount) - amount, Decimal("0.00"))


def _tokenize(text: str) -> list[str]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if not match:
            raise ValueError(f"unexpected {text[position : position + 10]!r} in fee formula")
        tokens.append(match.group(match.lastindex))
        position = match.end()
    return tokens


def _expression(tokens: list[str], depth: int) -> tuple[tuple, list[str]]:
    left, tokens = _term(tokens, depth)
    while tokens and tokens[0] in "+-":
        operator, (right, tokens) = tokens[0], _term(tokens[1:], depth)
        left = (operator, left, right)
    return left, tokens


def _term(tokens: list[str], depth: int) -> tuple[tuple, list[str]]:
    left, tokens = _factor(tokens, depth)
    while tokens and tokens[0] in "*/":
        operator, (right, tokens) = tokens[0], _factor(tokens[1:], depth)
        left = (operator, left, right)
    return left, tokens


def _factor(tokens: list[str], depth: int) -> tuple[tuple, list[str]]:
    if depth > MAX_FORMULA_DEPTH:
        raise ValueError("fee formula nested too deeply")
    if not tokens:
        raise ValueError("fee formula ends too early")
    head, rest = tokens[0], tokens[1:]
    if head == "amount":
        return ("amount",), rest
    if head in "+-":
        operand, rest = _factor(rest, depth + 1)
        return ("neg", operand) if head == "-" else operand, rest
    if head == "(":
        inner, rest = _expression(rest, depth + 1)
        if not rest or rest[0] != ")":
            raise ValueError("unbalanced parenthesis in fee formula")
        return inner, rest[1:]
    if head in "*/)":
        raise ValueError(f"unexpected {head!r} in fee formula")
    return ("number", Decimal(head)), rest


def _evaluate(tree: tuple, amount: Decimal) -> Decimal:
    kind = tree[0]
    if kind == "amount":
        return amount
    if kind == "number":
        return tree[1]
    if kind == "neg":
        return -_evaluate(tree[1], amount)
    left, right = _evaluate(tree[1], amount), _evaluate(tree[2], amount)
    if kind == "+":
        return left + right
    if kind == "-":
        return left - right
    if kind == "*":
        return left * right
    return left / right


@dataclass(frozen=True)
class Charge:
    """A simple (non-marketplace) payment's money: what the buyer pays, the gateway's fee
    and what the merchant nets."""

    amount: Decimal  # the payment amount (`original_amount` when the buyer pays fees)
    fee: Decimal
    buyer_total: Decimal  # what is captured from the buyer (`amount` in answers)
    merchant_net: Decimal
    fees_payer: str


def charge(amount: Decimal, formula: FeeFormula, fees_payer: str = "merchant") -> Charge:
    """The money of a simple payment; `fees_payer` is buyer or merchant (seed default)."""
    if fees_payer not in ("buyer", "merchant"):
        raise ValueError(f"fees payer must be buyer or merchant, not {fees_payer!r}")
    amount = cents(amount)
    fee = formula.fee(amount)
    if fees_payer == "buyer":
        return Charge(amount, fee, amount + fee, amount, fees_payer)
    return Charge(amount, fee, amount, amount - fee, fees_payer)


@dataclass(frozen=True)
class Split:
    """A marketplace payment's money. Invariants: receiver_amount + merchant_amount ==
    amount, and receiver_net + merchant_net + fee == buyer_total."""

    amount: Decimal
    receiver_amount: Decimal
    merchant_amount: Decimal
    fixed_merchant_amount: Decimal | None  # as posted; None when a percentage was used
    variable_merchant_amount: Decimal | None  # the posted percentage
    fee: Decimal
    fees_payer: str
    buyer_total: Decimal
    receiver_net: Decimal
    merchant_net: Decimal


def merchant_share(amount: Decimal, percentage: Decimal) -> Decimal:
    """The merchant's amount for a variable (percentage) share, rounded half-up."""
    return cents(amount * percentage / HUNDRED)


def split(
    amount: Decimal,
    receiver_amount: Decimal,
    formula: FeeFormula,
    *,
    fixed_merchant_amount: Decimal | None = None,
    variable_merchant_amount: Decimal | None = None,
    fees_payer: str = "receiver",
) -> Split:
    """Splits a marketplace payment, or raises SplitError with every bit that applies."""
    if fees_payer not in FEES_PAYERS:
        raise SplitError(f"fees payer must be one of {', '.join(FEES_PAYERS)}", (41,))
    if (fixed_merchant_amount is None) == (variable_merchant_amount is None):
        raise SplitError(
            "send exactly one of marketplace_fixed_merchant_amount and "
            "marketplace_variable_merchant_amount",
            (33,),
        )
    amount, receiver_amount = cents(amount), cents(receiver_amount)
    positions: list[int] = []
    if amount <= 0:
        positions.append(11)
    if receiver_amount < 0 or receiver_amount > amount:
        positions.append(32)
    if variable_merchant_amount is not None:
        if not Decimal(0) <= variable_merchant_amount <= HUNDRED:
            positions.append(33)
        merchant_amount = merchant_share(amount, variable_merchant_amount)
    else:
        merchant_amount = cents(fixed_merchant_amount)  # type: ignore[arg-type]
        if merchant_amount < 0 or merchant_amount > amount:
            positions.append(33)
    if not positions and receiver_amount + merchant_amount != amount:
        positions.append(34)
    if positions:
        raise SplitError(
            f"receiver {receiver_amount} + merchant {merchant_amount} must equal the "
            f"amount {amount}, each between 0 and the amount",
            tuple(positions),
        )
    fee = formula.fee(amount)
    receiver_net, merchant_net, buyer_total = receiver_amount, merchant_amount, amount
    if fees_payer == "buyer":
        buyer_total = amount + fee
    elif fees_payer == "receiver":
        receiver_net -= fee
    else:
        merchant_net -= fee
    if receiver_net < 0 or merchant_net < 0:
        raise SplitError(
            f"the {fees_payer}'s share is smaller than the gateway fee {fee}",
            (32,) if receiver_net < 0 else (33,),
        )
    return Split(
        amount=amount,
        receiver_amount=receiver_amount,
        merchant_amount=merchant_amount,
        fixed_merchant_amount=None if fixed_merchant_amount is None else merchant_amount,
        variable_merchant_amount=variable_merchant_amount,
        fee=fee,
        fees_payer=fees_payer,
        buyer_total=buyer_total,
        receiver_net=receiver_net,
        merchant_net=merchant_net,
    )


@dataclass(frozen=True)
class RefundSplit:
    """Where a marketplace refund comes from; receiver + merchant == refunded."""

    refunded: Decimal
    from_receiver: Decimal
    from_merchant: Decimal


def refund_split(payment: Split, refunded: Decimal | None = None) -> RefundSplit:
    """Splits a refund (default: the full reversal, everything the buyer paid) between the
    receiver and the merchant in proportion to their shares of the amount."""
    refunded = payment.buyer_total if refunded is None else cents(refunded)
    if not Decimal(0) <= refunded <= payment.buyer_total:
        raise ValueError(f"cannot refund {refunded} of a {payment.buyer_total} payment")
    from_receiver = cents(refunded * payment.receiver_amount / payment.amount)
    return RefundSplit(refunded, from_receiver, refunded - from_receiver)
