"""Thresholds of the anomaly rules: the defaults here, overridden by the Airflow Variable
``servicetitan_anomaly_settings`` (airflow_settings.yaml lists every field)."""

from __future__ import annotations

from dataclasses import dataclass

from servicetitan_pipeline.airflow_variables import settings_from_variables

# A JSON object of the fields to change, e.g. {"band_width": 4.0} (docs/operations.md, "Settings").
VARIABLE = "servicetitan_anomaly_settings"


@dataclass(frozen=True)
class AnomalySettings:
    # Baselines: the tenant's own history of this many days, at the same UTC hour and day type.
    history_days: int = 28
    min_history_days: int = 7  # no verdict before the tenant's oldest sample in the slot is this old
    min_history_samples: int = 4  # nor with fewer samples in the slot
    day_of_week_min_samples: int = 4  # the slot narrows from weekday/weekend to the day of week from here
    band_width: float = 5.0  # the band's half-width in robust standard deviations (1.4826 x MAD)
    # Scale floors: a steady or tiny tenant does not alert on noise. Besides the MAD, the half-width is at
    # least sqrt(median) x band_width (count noise), this many records and this share of the median.
    min_absolute_change: float = 10.0
    min_relative_change: float = 0.5
    # A sync judged by the 15-minute monitor: one that completed within this look-back (runs overlap on
    # purpose: a missed run loses no verdict; judging one sync twice gives the same verdict).
    lookback_minutes: int = 60
    # Freshness: the newest modifiedOn is late when now minus it exceeds the usual lag by this much at least.
    min_freshness_excess_hours: float = 6.0
    # ...and is at least this multiple of the usual lag: the wait for a sparse tenant's next record has a long
    # tail (a median of 8 h at 9:00 is a last record at 1:00; 18 h happens), which a MAD does not see.
    freshness_min_ratio: float = 3.0
    # Schema drift: changes within this window alert; a field has disappeared when this many records were
    # profiled since it was last seen and it was present in at least this share of the records before.
    schema_drift_window_hours: int = 24
    schema_min_records_missing: int = 500
    schema_min_presence: float = 0.5

    @classmethod
    def from_variables(cls) -> AnomalySettings:
        """The defaults, overridden by the JSON object in the Airflow Variable ``servicetitan_anomaly_settings``."""
        return settings_from_variables(cls, VARIABLE)
