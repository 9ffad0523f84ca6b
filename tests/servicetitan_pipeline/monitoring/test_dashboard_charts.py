"""The dashboard's SVG charts: y axes whose ticks are round numbers (whole ones for counts), printed as they are;
every day with data labelled; legends outside the SVG, so they wrap instead of being cut off."""

from __future__ import annotations

import re

import pytest

from servicetitan_pipeline.monitoring.dashboard import bar_chart, line_chart


def _y_ticks(svg: str) -> list[str]:
    return re.findall(r'<text class="axis" x="38" [^>]*text-anchor="end">([^<]+)</text>', svg)


@pytest.mark.parametrize(
    ("largest", "ticks"),
    [
        (0, ["0", "1"]),
        (1, ["0", "1"]),
        (3, ["0", "1", "2", "3"]),
        (7, ["0", "2", "4", "6", "8"]),
        (9, ["0", "5", "10"]),
        (130, ["0", "50", "100", "150"]),
        (31_000, ["0", "10,000", "20,000", "30,000", "40,000"]),
    ],
)
def test_count_axes_tick_whole_numbers(largest: float, ticks: list[str]) -> None:
    svg = bar_chart("Syncs", ["11-30", "12-01"], [("completed", [0, largest], "#16a34a")])
    assert _y_ticks(svg) == ticks


@pytest.mark.parametrize(
    ("largest", "ticks"),
    [(0.03, ["0", "0.01", "0.02", "0.03", "0.04"]), (1.87, ["0", "0.5", "1", "1.5", "2"])],
)
def test_measure_axes_tick_round_quarters(largest: float, ticks: list[str]) -> None:
    svg = line_chart("Duration (s)", ["11-30", "12-01"], [("average", [0.01, largest], "#2563eb")])
    assert _y_ticks(svg) == ticks
    assert f"12-01 average: {largest:g}" in svg  # a fraction of a second is shown as it is


def _x_labels(svg: str) -> list[str]:
    return re.findall(r'y="192" text-anchor="(?:middle|end)">([^<]+)</text>', svg)


def test_today_and_every_day_with_data_are_labelled() -> None:
    days = [f"11-{d:02d}" for d in range(19, 31)] + ["12-01", "12-02"]  # the default 14 days, data today only
    svg = bar_chart("Syncs", days, [("completed", [0] * 13 + [2], "#16a34a")])
    # Every day, the month written where it starts or changes.
    assert _x_labels(svg) == ["11-19", *[str(d) for d in range(20, 31)], "12-01", "02"]
    ninety = [f"{9 + d // 30:02d}-{d % 30 + 1:02d}" for d in range(90)]
    svg = bar_chart("Syncs", ninety, [("completed", [0] * 40 + [1] + [0] * 48 + [2], "#16a34a")])
    labels = _x_labels(svg)
    assert labels[-1] == "30"  # today
    assert "11" in labels  # the day with data (10-11)
    assert 5 <= len(labels) < 30


def test_a_legend_is_html_that_wraps() -> None:
    name = "Crest Electric (integration, 1003)"
    svg = line_chart("Rate", ["12-01"], [(name, [1.0], "#2563eb"), ("Acme (integration, 1001)", [2.0], "#7c3aed")])
    assert f'<span class="swatch" style="background:#2563eb"></span>{name}</li>' in svg
    assert '</svg><ul class="legend">' in svg


def test_a_fixed_axis_keeps_its_top() -> None:
    svg = line_chart("Success rate (%)", ["12-01"], [("rate", [87.5], "#16a34a")], 100)
    assert _y_ticks(svg) == ["0", "25", "50", "75", "100"]
    assert "12-01 rate: 87.5" in svg
