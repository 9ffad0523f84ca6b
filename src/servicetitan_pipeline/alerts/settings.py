"""Thresholds and intervals of the alert rules: the defaults here, overridden by the Airflow Variable
``servicetitan_alert_settings`` (airflow_settings.yaml lists every field)."""

from __future__ import annotations

from dataclasses import dataclass

from servicetitan_pipeline.airflow_variables import settings_from_variables

# A JSON object of the fields to change, e.g. {"failure_threshold": 5} (docs/operations.md, "Settings").
VARIABLE = "servicetitan_alert_settings"


@dataclass(frozen=True)
class AlertSettings:
    failure_threshold: int = 3
    failure_window_minutes: int = 60
    running_timeout_minutes: int = 120
    repeat_interval_hours: float = 6.0
    stale_sync_hours: int = 48
    secret_expiry_days: int = 7
    max_failed_record_percent: float = 5.0
    quality_window_hours: int = 6
    min_data_quality_score: float = 95.0
    api_sample_size: int = 3

    @classmethod
    def from_variables(cls) -> AlertSettings:
        """The defaults, overridden by the JSON object in the Airflow Variable ``servicetitan_alert_settings``."""
        return settings_from_variables(cls, VARIABLE)
