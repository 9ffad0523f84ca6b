"""Cutting syncs into groups that share a suite run: bounded in syncs and records, in order, none lost."""

from __future__ import annotations

import pytest

from servicetitan_pipeline.data_quality.batches import group_syncs


def test_small_syncs_share_a_group_up_to_the_sync_limit() -> None:
    assert group_syncs([100] * 7, max_rows=10_000, max_syncs=3) == [range(0, 3), range(3, 6), range(6, 7)]


def test_a_group_stops_before_it_would_exceed_the_rows() -> None:
    assert group_syncs([40, 40, 40, 10], max_rows=100, max_syncs=50) == [range(0, 2), range(2, 4)]


def test_a_sync_bigger_than_the_rows_is_a_group_of_its_own() -> None:
    # It is then read in chunks; its neighbours are not held back by it.
    assert group_syncs([5, 500, 5], max_rows=100, max_syncs=50) == [range(0, 1), range(1, 2), range(2, 3)]


def test_one_sync_per_group_when_asked() -> None:
    assert group_syncs([1, 2, 3], max_rows=100, max_syncs=1) == [range(0, 1), range(1, 2), range(2, 3)]


@pytest.mark.parametrize("records", [[], [0], [0, 0, 0], [3, 99, 1, 1, 250, 2]])
def test_every_sync_is_in_exactly_one_group_in_order(records: list[int]) -> None:
    groups = group_syncs(records, max_rows=100, max_syncs=2)
    assert [position for group in groups for position in group] == list(range(len(records)))
    assert all(len(group) >= 1 for group in groups)
