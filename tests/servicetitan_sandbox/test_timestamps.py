"""Timestamps are written as ServiceTitan writes them, whatever the instant (formatting caches the date per day)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from servicetitan_sandbox.timestamps import (
    TICKS_PER_SECOND,
    format_midnight,
    format_timestamp,
    parse_query_datetime,
    ticks_from_datetime,
)


def written_by_datetime(ticks: int) -> tuple[str, str]:
    """What the two formatters must write, by way of datetime (slow, but plainly right)."""
    seconds, fraction = divmod(ticks, TICKS_PER_SECOND)
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    date = f"{moment.year:04d}-{moment:%m-%d}"  # %Y does not pad years before 1000
    return f"{date}T{moment:%H:%M:%S}.{fraction:07d}Z", f"{date}T00:00:00Z"


def test_timestamps_match_datetime_around_day_and_year_boundaries_and_before_1970() -> None:
    boundaries = [datetime(year, 1, 1, tzinfo=UTC) for year in (1900, 1969, 1970, 2000, 2024, 2026, 2100)]
    boundaries += [datetime(2024, 2, 29, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)]
    instants = [ticks_from_datetime(moment) + delta for moment in boundaries for delta in (-1, 0, 1)]
    draw = random.Random(7)
    instants += [draw.randrange(-(6 * 10**17), 25 * 10**17) for _ in range(5_000)]  # years 100 to 9900
    for ticks in instants:
        assert (format_timestamp(ticks), format_midnight(ticks)) == written_by_datetime(ticks), ticks


def test_a_timestamp_parses_back_to_its_ticks() -> None:
    ticks = ticks_from_datetime(datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)) + 5_358_979
    assert format_timestamp(ticks) == "2026-03-14T15:09:26.5358979Z"
    assert parse_query_datetime(format_timestamp(ticks)) == ticks
