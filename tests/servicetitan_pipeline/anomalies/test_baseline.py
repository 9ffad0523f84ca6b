"""The seasonal robust baseline: a steady tenant stays inside its band, a drop, a spike or a zero day leaves it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from servicetitan_pipeline.anomalies.baseline import Band, day_type, freshness_band, robust_band, seasonal_band
from servicetitan_pipeline.anomalies.settings import AnomalySettings
from tests.servicetitan_pipeline.anomalies.noise import poisson

SETTINGS = AnomalySettings()
START = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday
DAYS = 30


def rate(moment: datetime, peak: float) -> float:
    """A business's day: busy 8:00 to 18:00 UTC, a little at night, weekends at 40 %."""
    hour = moment.hour
    shape = 1.0 if 8 <= hour < 18 else 0.3 if 6 <= hour < 20 else 0.05
    return peak * shape * (0.4 if day_type(moment) == "weekend" else 1.0)


def hourly_series(seed: int, peak: float, days: int = DAYS) -> list[tuple[datetime, float]]:
    rng = random.Random(seed)
    moments = [START + timedelta(hours=h) for h in range(days * 24)]
    return [(moment, float(poisson(rng, rate(moment, peak)))) for moment in moments]


def daily_totals(series: list[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    totals: dict[datetime, float] = {}
    for moment, value in series:
        day = moment.replace(hour=0)
        totals[day] = totals.get(day, 0.0) + value
    return sorted(totals.items())


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("peak", [0.5, 6.0, 40.0, 400.0])
def test_a_steady_seasonal_tenant_never_leaves_its_band(seed: int, peak: float) -> None:
    series = hourly_series(seed, peak)
    judged = 0
    for index, (moment, value) in enumerate(series):
        band = seasonal_band(series[:index], moment, SETTINGS)
        if band is None:
            continue
        judged += 1
        assert band.verdict(value) is None, f"{moment:%a %H:%M}: {value} outside {band}"
    assert judged > 300  # after the minimum history, most hours were judged
    days = daily_totals(series)
    for index, (day, total) in enumerate(days):
        band = seasonal_band(days[:index], day, SETTINGS, hourly=False)
        assert band is None or band.verdict(total) is None, f"{day:%a %d}: {total} outside {band}"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_drop_of_90_percent_and_a_5x_spike_are_caught(seed: int) -> None:
    series = hourly_series(seed, 40.0, days=DAYS + 1)
    history, (moment, _value) = series[:-14], series[-14]  # the last day, 10:00 UTC
    band = seasonal_band(history, moment, SETTINGS)
    assert band is not None
    usual = rate(moment, 40.0)
    assert band.verdict(round(usual * 0.1)) == "drop"
    assert band.verdict(usual * 5) == "spike"
    assert band.verdict(usual) is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_zero_day_is_caught_by_the_daily_total(seed: int) -> None:
    # A small tenant: per sync, none is within noise at night; the day's total of zero is not.
    days = daily_totals(hourly_series(seed, 6.0, days=DAYS + 1))
    history, (day, _total) = days[:-1], days[-1]
    band = seasonal_band(history, day, SETTINGS, hourly=False)
    assert band is not None
    assert band.verdict(0) == "drop"


def test_no_verdict_before_the_minimum_history() -> None:
    moment = START + timedelta(days=4, hours=10)  # a Friday, after four weekdays
    series = hourly_series(1, 40.0, days=4)
    assert seasonal_band(series, moment, SETTINGS) is None  # four days: less than min_history_days
    assert seasonal_band(series, moment, AnomalySettings(min_history_days=3, min_history_samples=3)) is not None


def test_the_slot_is_the_day_of_week_once_history_allows() -> None:
    series = hourly_series(1, 40.0, days=DAYS)
    band = seasonal_band(series, START + timedelta(days=DAYS, hours=10), SETTINGS)  # a Wednesday
    assert band is not None
    assert (band.basis, band.samples) == ("Wednesday 10:00 UTC", 20)  # the spread of all 20 weekdays
    short = seasonal_band(series, START + timedelta(days=DAYS, hours=10), AnomalySettings(day_of_week_min_samples=5))
    assert short is not None
    assert (short.basis, short.samples) == ("weekday 10:00 UTC", 20)


def test_history_older_than_the_window_is_ignored() -> None:
    at = START + timedelta(days=60, hours=10)
    old = [(START + timedelta(days=d, hours=10), 1000.0) for d in range(20)]
    recent = [(at - timedelta(days=d), 50.0) for d in range(1, 15)]
    band = seasonal_band(old + recent, at, SETTINGS)
    assert band is not None
    assert band.expected == 50.0


def test_a_perfectly_steady_tenant_has_a_floor() -> None:
    median, low, high = robust_band([100.0] * 20, width=5.0, floor=10.0, relative=0.5, count_noise=True)
    assert (median, low, high) == (100.0, 50.0, 150.0)  # MAD 0: the relative floor holds
    median, low, high = robust_band([0.0] * 20, width=5.0, floor=10.0, relative=0.5, count_noise=True)
    assert (low, high) == (-10.0, 10.0)  # nothing usual: a few records are no spike


def test_a_freshness_band_is_the_slot_s_lag_with_the_freshness_floors() -> None:
    at = START + timedelta(days=DAYS, hours=10)  # a Wednesday
    weekdays = [at - timedelta(days=d) for d in range(1, 29) if day_type(at - timedelta(days=d)) == "weekday"]
    # A steady lag (MAD 0): at least min_freshness_excess_hours above the median...
    quick = freshness_band([(moment, 600.0) for moment in weekdays], at, SETTINGS)
    assert quick is not None
    assert (quick.expected, quick.high, quick.samples) == (600.0, 600.0 + 6 * 3600, len(weekdays))
    assert quick.basis == "Wednesday 10:00 UTC"
    # ...and at least freshness_min_ratio times it: a sparse tenant's usual 8 h lag is late past 24 h.
    sparse = freshness_band([(moment, 8 * 3600.0) for moment in weekdays], at, SETTINGS)
    assert sparse is not None
    assert sparse.high == 24 * 3600
    # A sync before any record was loaded has no lag: no value of the history, so here no verdict.
    assert freshness_band([(moment, None) for moment in weekdays], at, SETTINGS) is None


def test_a_band_describes_itself() -> None:
    band = Band(expected=40, low=8.4, high=71.6, samples=20, basis="weekday 10:00 UTC")
    assert band.describe() == "expected 8.4 to 72 (weekday 10:00 UTC, 20 samples)"


def test_hours_and_days_are_utc_whatever_the_zone_of_the_times() -> None:
    from zoneinfo import ZoneInfo

    series = hourly_series(1, 40.0)
    at = START + timedelta(days=DAYS, hours=10)
    new_york = ZoneInfo("America/New_York")
    local = seasonal_band(
        [(moment.astimezone(new_york), value) for moment, value in series], at.astimezone(new_york), SETTINGS
    )
    assert local == seasonal_band(series, at, SETTINGS)
