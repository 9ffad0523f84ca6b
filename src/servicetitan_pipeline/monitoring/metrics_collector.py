"""``ServiceTitanMetricsCollector``: the current figures from the project's database, sent through Airflow's
metrics API and kept in ``servicetitan_metric_snapshots`` so the dashboard can chart their history.

The monitor DAG calls :func:`collect_and_persist`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from servicetitan_pipeline.db.engine import get_engine
from servicetitan_pipeline.db.models import ServiceTitanCredential, ServiceTitanMetricSnapshot
from servicetitan_pipeline.metrics import AirflowMetrics, MetricsBackend
from servicetitan_pipeline.sql_files import load_sql


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    tags: dict[str, Any] = field(default_factory=dict)
    kind: str = "gauge"  # gauge | timing (milliseconds)


class ServiceTitanMetricsCollector:
    """Figures over the last ``window_hours`` (1): syncs by data type and status, records, success rate,
    sync duration; credential status gauges; per-credential token and secret expiry; API errors from the
    failed syncs' error_details. All are gauges (the current value), so a re-run never double-counts."""

    def __init__(
        self,
        engine: Engine | None = None,
        backend: MetricsBackend | None = None,
        *,
        window_hours: float = 1,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self.backend = backend or AirflowMetrics()
        self.window_hours = window_hours
        self._now = now

    @property
    def engine(self) -> Engine:
        # Resolved on first use, not at construction: building a check must not need the database.
        return self._engine or get_engine()

    def collect(self) -> list[Figure]:
        now = self._now()
        since = now - timedelta(hours=self.window_hours)
        figures: list[Figure] = []
        with self.engine.connect() as conn:
            sync_rows = conn.execute(sa.text(load_sql("monitoring/select_recent_sync_figures")), {"since": since}).all()
            api_rows = conn.execute(sa.text(load_sql("monitoring/select_recent_api_errors")), {"since": since}).all()
            credentials = conn.execute(
                sa.select(
                    ServiceTitanCredential.company_name,
                    ServiceTitanCredential.environment,
                    ServiceTitanCredential.tenant_id,
                    ServiceTitanCredential.connection_status,
                    ServiceTitanCredential.is_active,
                    ServiceTitanCredential.token_expires_at,
                    ServiceTitanCredential.client_secret_expires_at,
                )
            ).all()
        processed = successful = completed = failed = 0
        for row in sync_rows:
            tags = {"data_type": row.data_type, "status": row.status}
            figures.append(Figure("servicetitan.sync.count", row.syncs, tags))
            figures.append(Figure("servicetitan.sync.records_processed", row.records_processed, tags))
            figures.append(Figure("servicetitan.sync.records_failed", row.records_failed, tags))
            if row.avg_duration_seconds is not None and row.status != "running":
                figures.append(
                    Figure("servicetitan.sync.duration", float(row.avg_duration_seconds) * 1000, tags, "timing")
                )
            processed += row.records_processed
            successful += row.records_successful
            completed += row.syncs if row.status == "completed" else 0
            failed += row.syncs if row.status == "failed" else 0
        figures.append(Figure("servicetitan.sync.records_last_hour", processed))
        if completed + failed:
            figures.append(Figure("servicetitan.sync.success_rate", 100.0 * completed / (completed + failed)))
        if processed:
            figures.append(Figure("servicetitan.sync.record_success_rate", 100.0 * successful / processed))
        by_status = dict.fromkeys(("pending", "connected", "error", "disabled"), 0)
        for cred in credentials:
            status = str(getattr(cred.connection_status, "value", cred.connection_status))
            by_status[status] = by_status.get(status, 0) + 1
            if not cred.is_active:
                continue
            tags = {
                "company": cred.company_name,
                "environment": str(getattr(cred.environment, "value", cred.environment)),
                "tenant_id": str(cred.tenant_id),
            }
            if cred.token_expires_at is not None:
                seconds = (cred.token_expires_at - now).total_seconds()
                figures.append(Figure("servicetitan.credentials.token_expiry_seconds", seconds, tags))
            if cred.client_secret_expires_at is not None:
                days = (cred.client_secret_expires_at - now).total_seconds() / 86400
                figures.append(Figure("servicetitan.credentials.secret_expiry_days", days, tags))
        for status, count in sorted(by_status.items()):
            figures.append(Figure("servicetitan.credentials.status", count, {"status": status}))
        for row in api_rows:
            tags = {"endpoint": row.endpoint, "status": row.http_status}
            figures.append(Figure("servicetitan.api.errors", row.errors, tags))
        return figures

    def emit(self, figures: list[Figure]) -> None:
        for figure in figures:
            if figure.kind == "timing":
                self.backend.timing(figure.name, figure.value, tags=figure.tags)
            else:
                self.backend.gauge(figure.name, figure.value, tags=figure.tags)

    def persist(self, figures: list[Figure], collected_at: datetime) -> int:
        if not figures:
            return 0
        rows = [
            {"collected_at": collected_at, "name": f.name, "value": float(f.value), "tags": f.tags} for f in figures
        ]
        with self.engine.begin() as conn:
            conn.execute(sa.insert(ServiceTitanMetricSnapshot), rows)
        return len(rows)


def collect_and_persist(engine: Engine | None = None, backend: MetricsBackend | None = None) -> dict[str, Any]:
    """Collect, emit through Airflow's metrics API and store the figures; returns a summary for the task log
    and XCom: ``collected_at``, ``count`` and ``metrics`` (name → value, tagged series summed)."""
    collector = ServiceTitanMetricsCollector(engine, backend)
    collected_at = collector._now()
    figures = collector.collect()
    collector.emit(figures)
    stored = collector.persist(figures, collected_at)
    totals: dict[str, float] = {}
    for figure in figures:
        totals[figure.name] = totals.get(figure.name, 0.0) + float(figure.value)
    return {"collected_at": collected_at.isoformat(), "count": stored, "metrics": totals}
