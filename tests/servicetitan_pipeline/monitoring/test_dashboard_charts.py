"""The dashboard's SVG charts: y axes whose ticks are round numbers, printed as they are."""

from __future__ import annotations

import re

import pytest

from servicetitan_pipeline.monitoring.dashboard import bar_chart, line_chart


def _y_ticks(svg: str) -> list[str]:
    return re.findall(r'<text class="axis" x="42" [^>]*text-anchor="end">([^<]+)</text>', svg)


@pytest.mark.parametrize(
    ("largest", "ticks"),
    [
        (1, ["0", "0.25", "0.5", "0.75", "1"]),
        (3, ["0", "1", "2", "3", "4"]),
        (7, ["0", "2", "4", "6", "8"]),
        (9, ["0", "2.5", "5", "7.5", "10"]),
        (130, ["0", "50", "100", "150", "200"]),
        (31_000, ["0", "10,000", "20,000", "30,000", "40,000"]),
        (0.03, ["0", "0.01", "0.02", "0.03", "0.04"]),
    ],
)
def test_count_axes_end_on_a_round_number_with_round_quarter_ticks(largest: float, ticks: list[str]) -> None:
    svg = bar_chart("Syncs", ["11-30", "12-01"], [("completed", [0, largest])])
    assert _y_ticks(svg) == ticks


def test_a_fixed_axis_keeps_its_top() -> None:
    svg = line_chart("Success rate (%)", ["12-01"], [("rate", [87.5])], 100)
    assert _y_ticks(svg) == ["0", "25", "50", "75", "100"]
    assert "12-01 rate: 87.5" in svg
