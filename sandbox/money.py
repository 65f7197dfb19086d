"""Exact money: amounts travel as integer paise; decimals only at the edges."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PAISE = Decimal("0.01")


def to_paise(amount: int | float | str | Decimal) -> int:
    """Rupees (as sent by a client) → integer paise, rounded half-up to the paisa.

    A float is read through its shortest decimal representation, so a JSON `100.55`
    becomes exactly 10055 paise rather than a binary approximation."""
    if type(amount) is int:  # whole rupees, the common case: no Decimal needed
        return amount * 100
    if isinstance(amount, bool):
        raise ValueError("an amount cannot be a boolean")
    try:
        value = Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {amount!r}")
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def rupees(paise: int) -> Decimal:
    """Integer paise → an exact Decimal of rupees with two places."""
    return (Decimal(paise) / 100).quantize(PAISE)


def as_number(paise: int) -> float:
    """For JSON number fields only (rendering, never arithmetic): 10050 → 100.5."""
    # The float nearest to paise/100, as float(rupees(paise)) gives, without building two
    # Decimals per listed amount: IEEE division of integers below 2**53 rounds correctly.
    if abs(paise) < 2**53:
        return paise / 100
    return float(rupees(paise))


def as_string(paise: int) -> str:
    """For JSON string fields: 1000 → "10.00" (as `str(rupees(paise))` writes it, without
    the two Decimals: a list page renders several amounts per item)."""
    whole, cents = divmod(abs(paise), 100)
    return f"{'-' if paise < 0 else ''}{whole}.{cents:02d}"
