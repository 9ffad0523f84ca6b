"""How a run's tenants are cut into mapped tasks: any number of tenants, any [core] max_map_length."""

from __future__ import annotations

import pytest

from servicetitan_pipeline.sync.batches import batch_count, batch_label, split


@pytest.mark.parametrize("tenants", [0, 1, 2, 3, 49, 50, 51, 99, 100, 101, 1_200, 5_000, 100_003])
@pytest.mark.parametrize("batch_size", [1, 7, 50])
@pytest.mark.parametrize("max_map_length", [1, 2, 3, 1024])
def test_every_tenant_once_in_order_within_both_limits(tenants: int, batch_size: int, max_map_length: int) -> None:
    items = list(range(tenants))
    batches = split(items, batch_size, max_map_length)
    assert [item for batch in batches for item in batch] == items
    assert len(batches) <= max_map_length
    assert all(batch for batch in batches)
    sizes = [len(batch) for batch in batches]
    if tenants:
        assert max(sizes) - min(sizes) <= 1  # balanced: no long tail
    if tenants <= batch_size * max_map_length:
        # The batch size holds whenever the map length allows it...
        assert all(size <= batch_size for size in sizes)
    else:
        # ...and otherwise the batches grow just enough to stay within the map length.
        assert len(batches) == max_map_length


def test_as_many_batches_as_the_batch_size_needs() -> None:
    assert [len(b) for b in split(list(range(120)), 50, 1024)] == [40, 40, 40]
    assert [len(b) for b in split(list(range(101)), 50, 1024)] == [34, 34, 33]
    assert batch_count(50, 50, 1024) == 1
    assert batch_count(51, 50, 1024) == 2


def test_the_map_length_caps_the_batches() -> None:
    # Three demo tenants, one a batch, and a map length of two: two batches, not three.
    assert split(["acme", "bright", "crest"], 1, 2) == [["acme", "bright"], ["crest"]]
    assert batch_count(5_000, 1, 1024) == 1024
    assert batch_count(5_000, 50, 1024) == 100


def test_one_tenant_is_one_batch_of_one() -> None:
    assert split(["acme"], 50, 1024) == [["acme"]]


@pytest.mark.parametrize(("batch_size", "max_map_length"), [(0, 10), (10, 0)])
def test_limits_below_one_are_refused(batch_size: int, max_map_length: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        split(["acme"], batch_size, max_map_length)


def test_labels() -> None:
    assert batch_label(["Acme Plumbing"], 0, 1) == "Acme Plumbing"
    assert batch_label(["Acme Plumbing"], 7, 1_200) == "Acme Plumbing"
    labels = ["Acme Plumbing", *[f"Tenant {i}" for i in range(49)]]
    assert batch_label(labels, 0, 1_200) == "Acme Plumbing + 49 more (1\N{EN DASH}50 of 1,200)"
    assert batch_label(labels, 1_150, 1_200) == "Acme Plumbing + 49 more (1,151\N{EN DASH}1,200 of 1,200)"
    assert batch_label(["Acme Plumbing", "Bright HVAC"], 0, 3) == "Acme Plumbing + 1 more (1\N{EN DASH}2 of 3)"
