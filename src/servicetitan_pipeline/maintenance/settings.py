"""Retention ages, from Airflow Variables (defaults in airflow_settings.yaml and here)."""

from __future__ import annotations

from dataclasses import dataclass

from servicetitan_pipeline.airflow_variables import settings_from_variables


@dataclass(frozen=True)
class RetentionSettings:
    # Finished sync-log rows older than this many days are rolled up into the daily aggregates and deleted.
    sync_log_days: int = 90
    # Metric snapshots, and alerts resolved, longer ago than this many days are deleted.
    snapshot_days: int = 30

    @classmethod
    def from_variables(cls) -> RetentionSettings:
        """Each field may be overridden by the Airflow Variable ``servicetitan_retention_<field>`` (days)."""
        return settings_from_variables(cls, "servicetitan_retention_")
