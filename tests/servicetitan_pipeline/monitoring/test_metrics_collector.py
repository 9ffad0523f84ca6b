from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from servicetitan_pipeline.monitoring import metrics_collector
from servicetitan_pipeline.monitoring.metrics_collector import collect_and_persist
from tests.factories import make_credential, make_sync_log
from tests.sync_world import RecordingMetrics


def test_collector_emits_and_persists_current_figures(session: Session) -> None:
    now = datetime.now(UTC)
    acme = make_credential(
        company_name="Acme", connection_status="connected", token_expires_at=now + timedelta(seconds=600)
    )
    bright = make_credential(company_name="Bright", connection_status="error")
    session.add_all(
        [
            make_sync_log(
                acme,
                started_at=now - timedelta(minutes=30),
                completed_at=now - timedelta(minutes=29),
                records_processed=100,
                records_successful=98,
                records_failed=2,
                processing_time_seconds=60,
            ),
            make_sync_log(
                bright,
                status="failed",
                started_at=now - timedelta(minutes=20),
                completed_at=now - timedelta(minutes=19),
                records_processed=0,
                records_successful=0,
                records_failed=0,
                processing_time_seconds=5,
                error_details={
                    "exception": "TransientError",
                    "http_status": 503,
                    "endpoint": "/accounting/v2/tenant/{tenant}/export/invoices",
                },
            ),
            make_sync_log(
                acme,
                started_at=now - timedelta(hours=5),
                completed_at=now - timedelta(hours=4),
                records_processed=999,
                records_successful=999,
                records_failed=0,
            ),
        ]
    )
    session.commit()
    backend = RecordingMetrics()
    summary = collect_and_persist(session.get_bind(), backend)  # type: ignore[arg-type]

    sent = {(name, tuple(sorted(tags.items()))): value for _, name, value, tags in backend.sent}
    assert sent[("servicetitan.sync.records_last_hour", ())] == 100
    assert sent[("servicetitan.sync.success_rate", ())] == 50.0
    assert sent[("servicetitan.credentials.status", (("status", "connected"),))] == 1
    assert sent[("servicetitan.credentials.status", (("status", "error"),))] == 1
    assert sent[("servicetitan.sync.count", (("data_type", "invoices"), ("status", "failed")))] == 1
    assert (
        590
        < sent[
            (
                "servicetitan.credentials.token_expiry_seconds",
                (("company", "Acme"), ("environment", "integration"), ("tenant_id", str(acme.tenant_id))),
            )
        ]
        <= 600
    )
    assert (
        sent[
            (
                "servicetitan.api.errors",
                (("endpoint", "/accounting/v2/tenant/{tenant}/export/invoices"), ("status", "503")),
            )
        ]
        == 1
    )
    assert (
        "timing",
        "servicetitan.sync.duration",
        60000.0,
        {"data_type": "invoices", "status": "completed"},
    ) in backend.sent

    stored = session.execute(sa.text("SELECT name, value, tags FROM servicetitan_metric_snapshots")).all()
    assert summary["count"] == len(stored) == len(backend.sent)
    assert {r.name for r in stored} == backend.names()
    assert ("servicetitan.sync.success_rate", 50.0, {}) in [(r.name, r.value, r.tags) for r in stored]
    assert summary["metrics"]["servicetitan.sync.records_last_hour"] == 100


def test_collector_defaults_to_airflow_metrics_backend() -> None:
    from servicetitan_pipeline.metrics import AirflowMetrics

    assert isinstance(metrics_collector.ServiceTitanMetricsCollector(backend=None).backend, AirflowMetrics)
