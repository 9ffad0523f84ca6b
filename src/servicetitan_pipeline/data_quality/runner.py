"""Validate what finished syncs loaded: each sync's ledger of loaded records, suite by suite.

The ledger (``servicetitan_sync_loaded_records``) is written by the loader in each page's transaction
and deleted here in the transaction that saves the result, so a validation that crashes is simply
done again by the next run, and one that succeeded is never done twice.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy.engine import Engine

from servicetitan_pipeline.data_quality.batches import BATCHES, DEFAULT_CHUNK_ROWS, read_chunks
from servicetitan_pipeline.data_quality.locations import data_docs_retention_days
from servicetitan_pipeline.data_quality.report import QualityReport, format_score
from servicetitan_pipeline.data_quality.validation import GreatExpectationsProject
from servicetitan_pipeline.db.engine import get_engine, psycopg_conninfo
from servicetitan_pipeline.metrics import AirflowMetrics, MetricsBackend
from servicetitan_pipeline.sql_files import load_sql

log = logging.getLogger("servicetitan_pipeline.data_quality")


class DataQualityValidationError(RuntimeError):
    """Some syncs could not be validated; their loaded records stay queued for the next run."""


def validate_pending_syncs(
    *,
    engine: Engine | None = None,
    metrics_backend: MetricsBackend | None = None,
    project: GreatExpectationsProject | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    build_docs: bool = True,
) -> list[QualityReport]:
    """Validate every finished sync with records awaiting validation; returns one report per sync and
    data type. Raises DataQualityValidationError after trying all of them if any one failed."""
    engine = engine or get_engine()
    metrics_backend = metrics_backend or AirflowMetrics()
    conninfo = psycopg_conninfo(engine)
    reports: list[QualityReport] = []
    failed: list[str] = []
    with psycopg.connect(conninfo, autocommit=True, row_factory=dict_row) as control:
        pending = control.execute(load_sql("data_quality/select_syncs_awaiting_validation")).fetchall()
        if not pending:
            log.info("no sync is awaiting data-quality validation")
            return []
        log.info("%d sync result(s) to validate", len(pending))
        project = project or GreatExpectationsProject()
        if build_docs:
            pruned = project.prune(data_docs_retention_days())
            if pruned:
                log.info(
                    "pruned %d data-docs validation page(s) older than %d days", pruned, data_docs_retention_days()
                )
        with psycopg.connect(conninfo) as work:
            work.execute("SET TIME ZONE 'UTC'")
            work.commit()
            for row in pending:
                label = f"{row['company_name']} ({row['environment']}, tenant {row['tenant_id']})"
                if not _try_lock(control, row["sync_log_id"]):
                    log.info("%s %s: another validation holds this sync; skipped", label, row["resource"])
                    continue
                try:
                    # The list was read before the lock: another run may have validated this sync since.
                    if not _still_awaiting(control, row):
                        log.info(
                            "%s %s: another run already validated sync %s; skipped",
                            label,
                            row["resource"],
                            row["sync_log_id"],
                        )
                        continue
                    report = _validate_sync(work, project, row, label, chunk_rows, build_docs)
                except Exception:
                    work.rollback()
                    log.exception("%s %s: validation of sync %s failed", label, row["resource"], row["sync_log_id"])
                    failed.append(f"{label} {row['resource']} (sync {row['sync_log_id']})")
                    continue
                finally:
                    _unlock(control, row["sync_log_id"])
                _emit(metrics_backend, report, row)
                reports.append(report)
    if failed:
        raise DataQualityValidationError(
            f"could not validate {len(failed)} sync result(s): {'; '.join(failed)}. Their loaded records stay "
            "queued and the next run validates them again; the task log above has each error"
        )
    return reports


def _validate_sync(
    work: psycopg.Connection[Any],
    project: GreatExpectationsProject,
    row: dict[str, Any],
    label: str,
    chunk_rows: int,
    build_docs: bool,
) -> QualityReport:
    batch = BATCHES[row["resource"]]
    sync_log_id: uuid.UUID = row["sync_log_id"]
    report = QualityReport(sync_log_id=sync_log_id, credential_id=row["credential_id"], label=label, batch=batch)
    started = time.monotonic()
    validated_at = datetime.now(UTC)
    run_name = _run_name(label, batch.data_type, sync_log_id)
    for chunk in read_chunks(work, batch, sync_log_id, chunk_rows):
        report.add(project.validate(batch, chunk, run_name=run_name, run_time=validated_at, build_docs=build_docs))
        elapsed = time.monotonic() - started
        log.info(
            "%s %s: validated %d records (%d invalid) in %.1f s, %.0f records/s",
            label,
            batch.data_type,
            report.total_records,
            report.invalid_records,
            elapsed,
            report.total_records / elapsed if elapsed else 0.0,
        )
    work.commit()  # ends the read (and its server-side cursor): the save below is a transaction of its own
    report.validation_seconds = time.monotonic() - started
    with work.transaction():
        work.execute(
            load_sql("data_quality/upsert_data_quality_result"),
            {**report.as_row(), "validated_at": validated_at},
        )
        work.execute(
            "DELETE FROM servicetitan_sync_loaded_records WHERE sync_log_id = %s AND resource = %s",
            (sync_log_id, batch.data_type),
        )
    log.info(
        "%s %s: data-quality score %s (%d of %d records valid)%s",
        label,
        batch.data_type,
        format_score(report.score),
        report.valid_records,
        report.total_records,
        "; failing: " + "; ".join(f"{o.description} ({o.unexpected_count})" for o in report.failing())
        if report.failing()
        else "",
    )
    return report


def _run_name(label: str, data_type: str, sync_log_id: uuid.UUID) -> str:
    # The run's name in the data docs: readable, and safe as a folder and URL segment.
    readable = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-").lower()
    return f"{readable}-{data_type}-sync-{sync_log_id.hex[:8]}"


def _emit(metrics: MetricsBackend, report: QualityReport, row: dict[str, Any]) -> None:
    tags = {"company": row["company_name"], "environment": row["environment"], "data_type": report.batch.data_type}
    metrics.gauge("servicetitan.data_quality.total_records", report.total_records, tags=tags)
    metrics.gauge("servicetitan.data_quality.valid_records", report.valid_records, tags=tags)
    metrics.gauge("servicetitan.data_quality.invalid_records", report.invalid_records, tags=tags)
    if report.score is not None:  # nothing to score is no data point, neither 100 nor 0
        metrics.gauge("servicetitan.data_quality.score", float(report.score), tags=tags)


def _still_awaiting(conn: psycopg.Connection[Any], row: dict[str, Any]) -> bool:
    found = conn.execute(
        "SELECT EXISTS (SELECT FROM servicetitan_sync_loaded_records WHERE sync_log_id = %s AND resource = %s)"
        " AS awaiting",
        (row["sync_log_id"], row["resource"]),
    ).fetchone()
    return bool(found and found["awaiting"])


def _lock_key(sync_log_id: uuid.UUID) -> str:
    return f"servicetitan_data_quality:{sync_log_id}"


def _try_lock(conn: psycopg.Connection[Any], sync_log_id: uuid.UUID) -> bool:
    row = conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0)) AS locked", (_lock_key(sync_log_id),))
    found = row.fetchone()
    return bool(found and found["locked"])


def _unlock(conn: psycopg.Connection[Any], sync_log_id: uuid.UUID) -> None:
    conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (_lock_key(sync_log_id),))
