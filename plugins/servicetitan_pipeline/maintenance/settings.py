"""Retention ages, from Airflow Variables (defaults in airflow_settings.yaml and here)."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class RetentionSettings:
    # Finished sync-log rows older than this many days are rolled up into the daily aggregates and deleted.
    sync_log_days: int = 90
    # Metric snapshots, and alerts resolved, longer ago than this many days are deleted.
    snapshot_days: int = 30

    @classmethod
    def from_variables(cls) -> RetentionSettings:
        """Each field may be overridden by the Airflow Variable ``servicetitan_retention_<field>``."""
        from airflow.sdk import Variable

        values: dict[str, int] = {}
        for field in fields(cls):
            name = f"servicetitan_retention_{field.name}"
            raw = Variable.get(name, default=None)
            if raw is None:
                continue
            try:
                values[field.name] = int(raw)
            except ValueError:
                raise ValueError(f"Airflow Variable {name}={raw!r} is not a whole number of days") from None
        return cls(**values)
