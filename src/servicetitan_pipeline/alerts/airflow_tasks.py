"""The bodies of the monitor DAGs' tasks; the XCom is a count summary, never a secret."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from servicetitan_pipeline.alerts.monitor import run_health_monitor, run_sync_failure_monitor


def sync_failure_monitor() -> dict[str, Any]:
    return asdict(run_sync_failure_monitor())


def health_monitor() -> dict[str, Any]:
    return asdict(run_health_monitor())


def collect_metrics() -> dict[str, Any]:
    """The metrics collector: current figures to Airflow's metrics and to the snapshot history."""
    from servicetitan_pipeline.monitoring.metrics_collector import collect_and_persist

    return collect_and_persist()
