"""The body of the maintenance DAG's task; the XCom is the retention's count summary."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from servicetitan_pipeline.maintenance.retention import apply_retention
from servicetitan_pipeline.maintenance.settings import RetentionSettings


def apply_log_retention() -> dict[str, Any]:
    """Roll up and delete old sync logs; prune old metric snapshots and resolved alerts (ages from Variables)."""
    settings = RetentionSettings.from_variables()
    return asdict(apply_retention(keep_days=settings.sync_log_days, snapshot_keep_days=settings.snapshot_days))
