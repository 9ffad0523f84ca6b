"""The timeline: generations of versions, positions found by arithmetic, a feed sorted by time."""

from __future__ import annotations

import pytest

from servicetitan_sandbox.block_selection import BlockSelection
from servicetitan_sandbox.randomness import sample_distinct
from servicetitan_sandbox.timeline import Generation, Timeline, Version
from servicetitan_sandbox.timestamps import TICKS_PER_DAY

START = 1_700_000_000 * 10_000_000
KEY = (7, "things")


def timeline_with_history() -> Timeline:
    timeline = Timeline(KEY, initial_count=300, history_start=START, history_end=START + 30 * TICKS_PER_DAY)
    end = timeline.latest.window_end
    timeline.append_generation(new_count=25, modified_count=40, window_start=end, window_end=end + 10_000)
    end = timeline.latest.window_end
    timeline.append_generation(new_count=0, modified_count=30, window_start=end + 5, window_end=end + 5_000)
    end = timeline.latest.window_end
    timeline.append_generation(new_count=7, modified_count=0, window_start=end, window_end=end + 700)
    return timeline


@pytest.mark.parametrize(("new_count", "modified_count"), [(10, 0), (0, 10), (7, 3), (3, 11), (1, 1), (250, 17)])
def test_every_position_holds_one_new_record_or_one_change(new_count: int, modified_count: int) -> None:
    modified = tuple(sample_distinct(1000, modified_count, "test"))
    generation = Generation(1, 0, 10_000, first_new_index=1000, new_count=new_count, modified=modified)
    indices = [generation.index_at(position) for position in range(generation.size)]
    assert sorted(indices) == sorted([*modified, *range(1000, 1000 + new_count)])
    for offset in range(new_count):
        assert generation.index_at(generation.position_of_new(offset)) == 1000 + offset


def test_version_times_grow_along_the_feed_and_creation_times_with_the_index() -> None:
    timeline = timeline_with_history()
    feed_times = [timeline.version_ticks(Version(g.number, p)) for g in timeline.generations for p in range(g.size)]
    assert feed_times == sorted(feed_times)
    created = [timeline.created_ticks(i) for i in range(timeline.size)]
    assert created == sorted(created)
    first_modified = [timeline.version_ticks(timeline.creation_version(i)) for i in range(timeline.size)]
    assert first_modified == sorted(first_modified)
    assert all(c <= m for c, m in zip(created, first_modified, strict=True))


def test_the_feed_gives_each_record_once_at_its_latest_version() -> None:
    timeline = timeline_with_history()
    fed = list(timeline.feed(timeline.feed_start()))
    indices = [index for _, index in fed]
    assert sorted(indices) == list(range(timeline.size))
    assert all(version == timeline.current_version(index) for version, index in fed)
    changed = {i for i in range(timeline.size) if timeline.current_version(i) != timeline.creation_version(i)}
    assert timeline.changed_indices() == sorted(changed)
    assert changed  # the history above does change records


def test_resuming_from_the_end_of_a_generation_returns_exactly_the_next_ones_changes() -> None:
    timeline = Timeline(KEY, initial_count=100, history_start=START, history_end=START + TICKS_PER_DAY)
    end_of_history = timeline.feed_end()
    assert list(timeline.feed(end_of_history)) == []
    generation = timeline.append_generation(5, 12, timeline.latest.window_end, timeline.latest.window_end + 1000)
    resumed = [index for _, index in timeline.feed(end_of_history)]
    assert sorted(resumed) == sorted([*generation.modified, *range(100, 105)])


def test_feed_position_at_a_time_starts_at_the_first_version_at_or_after_it() -> None:
    timeline = timeline_with_history()
    versions = [Version(g.number, p) for g in timeline.generations for p in range(g.size)]
    for version in versions[::17]:
        ticks = timeline.version_ticks(version)
        assert timeline.feed_position_at(ticks) == version
        assert timeline.feed_position_at(ticks + 1) > version
    assert timeline.feed_position_at(0) == Version(0, 0)
    assert timeline.feed_position_at(timeline.latest.window_end) == timeline.feed_end()


def test_changes_are_refused_beyond_the_records_that_exist() -> None:
    timeline = Timeline(KEY, initial_count=3, history_start=START, history_end=START + 10)
    with pytest.raises(ValueError, match="only 3 exist"):
        timeline.append_generation(0, 4, START + 10, START + 20)
    with pytest.raises(ValueError, match="before the previous one ended"):
        timeline.append_generation(0, 1, START + 5, START + 20)


def test_block_selection_counts_match_membership() -> None:
    selection = BlockSelection(("x",), block_size=40, per_block=2)
    members = [i for i in range(1000) if i in selection]
    assert len(members) == 50
    for limit in (0, 1, 39, 40, 41, 517, 1000):
        assert selection.count_below(limit) == sum(1 for m in members if m < limit)
    generator = selection.members_from(123)
    assert [next(generator) for _ in range(5)] == [m for m in members if m >= 123][:5]
