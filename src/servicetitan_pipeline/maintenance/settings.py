"""Retention ages: the defaults here, overridden by the Airflow Variable ``servicetitan_retention_settings``
(airflow_settings.yaml lists every field)."""

from __future__ import annotations

from dataclasses import dataclass

from servicetitan_pipeline.airflow_variables import settings_from_variables

# A JSON object of the fields to change, e.g. {"sync_log_days": 180} (docs/operations.md, "Settings").
VARIABLE = "servicetitan_retention_settings"


@dataclass(frozen=True)
class RetentionSettings:
    # Finished sync-log rows older than this many days are rolled up into the daily aggregates and deleted.
    sync_log_days: int = 90
    # Metric snapshots, and alerts resolved, longer ago than this many days are deleted.
    snapshot_days: int = 30

    @classmethod
    def from_variables(cls) -> RetentionSettings:
        """The defaults, overridden by the JSON object in the Airflow Variable ``servicetitan_retention_settings``."""
        return settings_from_variables(cls, VARIABLE)
