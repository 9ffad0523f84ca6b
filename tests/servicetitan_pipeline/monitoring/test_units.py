"""Numbers on the health and tenant pages, as a person writes them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicetitan_pipeline.monitoring.units import (
    human_bytes,
    human_count,
    human_duration,
    human_fraction,
    quality_score,
)


@pytest.mark.parametrize(
    ("value", "text"), [(270553174016, "270.6 GB"), (512, "512 bytes"), (1_500_000, "1.5 MB"), (2e15, "2.0 PB")]
)
def test_bytes(value: int, text: str) -> None:
    assert human_bytes(value) == text


@pytest.mark.parametrize(("value", "text"), [(0.25, "25 %"), (0.0412, "4.1 %"), (0.0, "0 %"), (1.0, "100 %")])
def test_fractions_are_percentages(value: float, text: str) -> None:
    assert human_fraction(value) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.4, "0.4 s"),
        (1.87, "1.9 s"),
        (42, "42 s"),
        (95, "1 min 35 s"),
        (120, "2 min"),
        (3725, "1 h 2 min"),
        (None, "—"),
    ],
)
def test_durations_keep_their_fractions(seconds: float | None, text: str) -> None:
    assert human_duration(seconds) == text


def test_counts_and_scores() -> None:
    assert human_count(1, "sync") == "1 sync"
    assert human_count(3000, "record") == "3,000 records"
    assert quality_score(None) == "nothing to score"
    assert quality_score(Decimal("92.66")) == "92.66 %"
    assert quality_score(Decimal("100.00")) == "100 %"
