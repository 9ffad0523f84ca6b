"""Thresholds and intervals, from Airflow Variables (defaults in airflow_settings.yaml and here)."""

from __future__ import annotations

from dataclasses import dataclass

from servicetitan_pipeline.airflow_variables import settings_from_variables


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
        """Each field may be overridden by the Airflow Variable ``servicetitan_alert_<field>``."""
        return settings_from_variables(cls, "servicetitan_alert_")
