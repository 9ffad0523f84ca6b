"""A tenant's own seasonal, robust baseline (pure): the median and MAD of its past values in the same slot (same
UTC hour of day and day type), and the band around the median outside which a value is an anomaly.

Robust, so that one past incident does not widen the band for a month; seasonal, so that a quiet Sunday night
is compared with Sunday nights. The band's half-width has floors (count noise, an absolute and a relative
change), so that a perfectly steady tenant (MAD 0) or a tiny one (a few records an hour) does not alert on noise.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from servicetitan_pipeline.anomalies.settings import AnomalySettings

MAD_TO_SIGMA = 1.4826  # a normal distribution's standard deviation is 1.4826 MAD
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Band:
    expected: float  # the median of the slot's history
    low: float
    high: float
    samples: int  # history values the band is made of
    basis: str  # the slot, as people say it: "weekday 14:00 UTC", "Sunday"

    def verdict(self, value: float) -> str | None:
        """``"drop"`` below the band, ``"spike"`` above it, None inside."""
        if value < self.low:
            return "drop"
        if value > self.high:
            return "spike"
        return None

    def describe(self) -> str:
        return f"expected {_number(self.low)} to {_number(self.high)} ({self.basis}, {self.samples} samples)"


def day_type(moment: datetime) -> str:
    return "weekend" if moment.weekday() >= 5 else "weekday"


def robust_band(
    values: Sequence[float],
    *,
    width: float,
    floor: float,
    relative: float,
    count_noise: bool,
    center: float | None = None,
) -> tuple[float, float, float]:
    """(center, low, high): the center (by default the values' median) +- the largest of width x 1.4826 MAD of
    the values, width x sqrt(center) when they are counts (Poisson noise), ``floor`` and ``relative`` x center."""
    median = statistics.median(values)
    center = median if center is None else center
    mad = statistics.median(abs(value - median) for value in values)
    sigma = max(MAD_TO_SIGMA * mad, math.sqrt(max(center, 0.0)) if count_noise else 0.0)
    half = max(width * sigma, floor, relative * abs(center))
    return center, center - half, center + half


def seasonal_band(
    history: Iterable[tuple[datetime, float]],
    at: datetime,
    settings: AnomalySettings,
    *,
    hourly: bool = True,
    floor: float | None = None,
    relative: float | None = None,
    count_noise: bool = True,
) -> Band | None:
    """The band for a value at ``at`` (UTC), from ``history`` ((moment, value) pairs; those outside
    ``history_days`` before ``at`` are ignored). ``hourly``: the slot is the same UTC hour and day type (per-sync
    values); else the same day type (daily totals, ``at`` is the day's start). None while the history is too
    short to judge: fewer than ``min_history_samples`` values in the slot, or none ``min_history_days`` old."""
    # Hours and weekdays are UTC's, whatever zone the database session handed the times back in.
    at = at.astimezone(UTC)
    since = at - timedelta(days=settings.history_days)
    in_window = [(moment.astimezone(UTC), value) for moment, value in history if since <= moment < at]
    if hourly:
        in_window = [(moment, value) for moment, value in in_window if moment.hour == at.hour]
    of_type = [(moment, value) for moment, value in in_window if day_type(moment) == day_type(at)]
    if len(of_type) < settings.min_history_samples:
        return None
    if at - min(moment for moment, _ in of_type) < timedelta(days=settings.min_history_days):
        return None
    values = [value for _, value in of_type]
    basis, center = day_type(at), None
    same_day = [value for moment, value in of_type if moment.weekday() == at.weekday()]
    if len(same_day) >= settings.day_of_week_min_samples:
        # The day of week's median, the day type's spread: a handful of Mondays place the band well but
        # measure their spread badly (the MAD of four values is mostly luck).
        basis, center = DAY_NAMES[at.weekday()], statistics.median(same_day)
    median, low, high = robust_band(
        values,
        width=settings.band_width,
        floor=settings.min_absolute_change if floor is None else floor,
        relative=settings.min_relative_change if relative is None else relative,
        count_noise=count_noise,
        center=center,
    )
    samples = len(values)
    return Band(median, low, high, samples, f"{basis} {at.hour:02d}:00 UTC" if hourly else basis)


def freshness_band(
    history: Iterable[tuple[datetime, float | None]], at: datetime, settings: AnomalySettings
) -> Band | None:
    """The band of a resource's freshness lag (seconds) at ``at``, the start of its latest sync, from ``history``
    ((sync start, the lag it ended with) pairs; None, a sync before any record was loaded, is no lag): what
    freshness_anomaly judges by and the tenant page shows. Late is above its ``high``; None as seasonal_band."""
    return seasonal_band(
        ((moment, float(lag)) for moment, lag in history if lag is not None),
        at,
        settings,
        floor=settings.min_freshness_excess_hours * 3600,
        # The wait for a sparse tenant's next record has a long tail: late is also a multiple of the usual lag.
        relative=max(settings.freshness_min_ratio - 1, 0.0),
        count_noise=False,  # a lag is a duration, not a count
    )


def _number(value: float) -> str:
    return f"{max(value, 0):,.0f}" if abs(value) >= 10 else f"{max(value, 0):.1f}"
