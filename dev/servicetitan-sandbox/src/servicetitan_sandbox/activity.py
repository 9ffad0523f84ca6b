"""A tenant's steady hourly business and the scenarios that break it from a given moment.

Each hour's counts (records new and changed, per kind) are the tenant's average (``HourlyActivity``) shaped by
the UTC hour of day (a working day: quiet nights, busy mornings) and the day of week (weekends about a third of
a weekday), off by a seeded share of up to ``noise``, and rounded by a seeded draw: the same seed gives the same
hours on every machine, whenever they are applied. A ``volume`` scenario multiplies an hour's counts, ``stale``
makes them 0. The drift scenarios change the records served (``drift_record``), not the counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from servicetitan_sandbox.config import HourlyActivity, Scenario
from servicetitan_sandbox.randomness import unit
from servicetitan_sandbox.timestamps import TICKS_PER_SECOND, datetime_from_ticks, ticks_from_datetime

TICKS_PER_HOUR = 3600 * TICKS_PER_SECOND
# Relative weight of each UTC hour of the day (US working hours fall in 13:00-01:00 UTC).
_HOUR_WEIGHTS = (6, 4, 3, 2, 2, 2, 2, 2, 2, 2, 3, 5, 9, 13, 16, 17, 17, 16, 15, 14, 13, 11, 9, 7)
# Monday to Sunday.
_DAY_WEIGHTS = (1.2, 1.2, 1.2, 1.2, 1.1, 0.55, 0.35)
# Normalised so that a week's hours average 1: the declared rates are per hour, on average.
_SCALE = 24 * 7 / (sum(_HOUR_WEIGHTS) * sum(_DAY_WEIGHTS))
KINDS = ("new_customers", "modified_customers", "new_invoices", "modified_invoices")


def hour_start(ticks: int) -> int:
    return ticks - ticks % TICKS_PER_HOUR


def shape(hour: datetime) -> float:
    """The share of the average rate expected in the hour starting at ``hour``."""
    return _HOUR_WEIGHTS[hour.hour] * _DAY_WEIGHTS[hour.weekday()] * _SCALE


def hourly_counts(
    seed: int, activity: HourlyActivity, scenarios: Iterable[Scenario], hour_ticks: int
) -> dict[str, int]:
    """The records new and changed per kind in the hour starting at ``hour_ticks`` (as ``Advance`` counts)."""
    hour = datetime_from_ticks(hour_ticks)
    factor_of = {"customers": 1.0, "invoices": 1.0}
    for scenario in scenarios:
        if scenario.kind in ("volume", "stale") and _applies(scenario, hour_ticks):
            factor_of[scenario.resource] *= 0.0 if scenario.kind == "stale" else float(scenario.factor or 0.0)
    expected = shape(hour)
    counts = {}
    for kind in KINDS:
        rate: float = getattr(activity, kind) * expected * factor_of[kind.split("_", 1)[1]]
        rate *= 1 + activity.noise * (2 * unit(seed, "activity noise", kind, hour_ticks) - 1)
        whole = math.floor(rate)
        counts[kind] = whole + (unit(seed, "activity rounding", kind, hour_ticks) < rate - whole)
    return counts


def drift_record(record: dict[str, Any], resource: str, modified_ticks: int, scenarios: Iterable[Scenario]) -> None:
    """Apply, in place, the drift scenarios in force for a version of a ``resource`` record stamped then."""
    for scenario in scenarios:
        if scenario.resource != resource or not scenario.kind.startswith("field_"):
            continue
        if not _applies(scenario, modified_ticks):
            continue
        name = str(scenario.field)
        if scenario.kind == "field_added":
            record[name] = f"sandbox drift {name}"
        elif scenario.kind == "field_removed":
            record.pop(name, None)
        elif name in record:
            record[name] = retyped(record[name])


def retyped(value: Any) -> Any:
    """The value as another JSON type: a text as a number (its length), anything else as a text."""
    if isinstance(value, str):
        return len(value)
    if value is None:
        return "null"
    return str(value)


def _applies(scenario: Scenario, ticks: int) -> bool:
    if ticks < ticks_from_datetime(scenario.start):
        return False
    return scenario.until is None or ticks < ticks_from_datetime(scenario.until)
