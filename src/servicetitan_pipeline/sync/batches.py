"""How a run's targets are cut into the batches its mapped ``sync`` tasks hold (pure arithmetic).

Airflow refuses to map over more than ``[core] max_map_length`` values, so the number of batches never
exceeds it: each batch holds at most ``batch_size`` tenants unless that would take more batches than
Airflow allows, in which case the batches grow. Batches are balanced (sizes differ by at most one), so
no task is left with a long tail.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil
from typing import TypeVar

T = TypeVar("T")


def batch_count(tenants: int, batch_size: int, max_map_length: int) -> int:
    """How many batches ``tenants`` need: enough for ``batch_size`` each, never more than ``max_map_length``."""
    if batch_size < 1:
        raise ValueError(f"the batch size must be at least 1, not {batch_size}")
    if max_map_length < 1:
        raise ValueError(f"[core] max_map_length must be at least 1, not {max_map_length}")
    if tenants <= 0:
        return 0
    return min(ceil(tenants / batch_size), max_map_length)


def split(items: Sequence[T], batch_size: int, max_map_length: int) -> list[list[T]]:
    """``items`` in order, cut into ``batch_count`` balanced batches."""
    count = batch_count(len(items), batch_size, max_map_length)
    if count == 0:
        return []
    smaller, larger_batches = divmod(len(items), count)
    batches: list[list[T]] = []
    start = 0
    for index in range(count):
        size = smaller + (1 if index < larger_batches else 0)
        batches.append(list(items[start : start + size]))
        start += size
    return batches


def batch_label(labels: Sequence[str], start: int, total: int) -> str:
    """The name of a batch's task on the run page: its one tenant, or its first tenant and where it stands.

    ``labels`` are the batch's tenants, ``start`` the index of its first in the run, ``total`` the run's tenants.
    """
    if not labels:
        return "no tenants"
    if len(labels) == 1:
        return labels[0]
    return f"{labels[0]} + {len(labels) - 1:,} more ({start + 1:,}\N{EN DASH}{start + len(labels):,} of {total:,})"
