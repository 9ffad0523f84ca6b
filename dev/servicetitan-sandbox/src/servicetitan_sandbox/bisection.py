"""Bisection over integers: how the sandbox finds a date or a page in data it never materialises."""

from __future__ import annotations

from collections.abc import Callable


def first_true(low: int, high: int, predicate: Callable[[int], bool]) -> int:
    """Smallest value in [low, high) for which ``predicate`` holds, or ``high`` if none does.
    ``predicate`` must be monotonic: once true, true for every larger value."""
    while low < high:
        middle = (low + high) // 2
        if predicate(middle):
            high = middle
        else:
            low = middle + 1
    return low
