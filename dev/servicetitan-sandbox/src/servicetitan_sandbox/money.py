"""Money as ServiceTitan writes it on invoices: a string with exactly two decimals (``"1234.50"``).

Amounts are kept as integer cents, so that sums are exact: subTotal + salesTax == total, always.
"""

from __future__ import annotations


def format_money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{whole}.{fraction:02d}"


def money_number(cents: int) -> float:
    """The same amount as a JSON number, for the fields the schema types as decimal numbers
    (a customer's balance); two decimals survive the float round trip."""
    return round(cents / 100, 2)


def multiply_cents(cents: int, hundredths: int) -> int:
    """``cents`` times a factor given in hundredths (a quantity of 1.50 is 150), rounded half up."""
    return (cents * hundredths + 50) // 100


def percentage_of(cents: int, rate_basis_points: int) -> int:
    """``rate_basis_points`` / 10000 of ``cents``, rounded half up (8.25 % is 825)."""
    return (cents * rate_basis_points + 5_000) // 10_000
