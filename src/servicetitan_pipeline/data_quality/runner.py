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

from servicetitan_pipeline.data_quality.batches import (
    BATCHES,
    DEFAULT_CHUNK_ROWS,
    MAX_SYNCS_PER_GROUP,
    QualityBatch,
    group_syncs,
    read_chunks,
)
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
    max_syncs_per_group: int = MAX_SYNCS_PER_GROUP,
) -> list[QualityReport]:
    """Validate every finished sync with records awaiting validation; returns one report per sync and
    data type. Small syncs of one data type share a suite run (``group_syncs``). Raises
    DataQualityValidationError after trying all of them if any one failed."""
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
        project = project or GreatExpectationsProject()
        # Customers first: an invoice's customer is looked up among the customers loaded.
        work_list = [
            (BATCHES[resource], [row for row in pending if row["resource"] == resource])
            for resource in dict.fromkeys(sorted(row["resource"] for row in pending))
        ]
        groups = [
            (batch, rows[positions.start : positions.stop])
            for batch, rows in work_list
            for positions in group_syncs(
                [row["records"] for row in rows],
                max_rows=chunk_rows,
                max_syncs=max_syncs_per_group if project.judges_rows(batch.suite_name) else 1,
            )
        ]
        log.info(
            "%s sync result(s) to validate (%s records), in %s suite run(s)",
            f"{len(pending):,}",
            f"{sum(row['records'] for row in pending):,}",
            f"{len(groups):,}",
        )
        if build_docs:
            pruned = project.prune(data_docs_retention_days())
            if pruned:
                log.info(
                    "pruned %d data-docs validation page(s) older than %d days", pruned, data_docs_retention_days()
                )
        started = time.monotonic()
        done = 0
        with psycopg.connect(conninfo) as work:
            work.execute("SET TIME ZONE 'UTC'")
            work.commit()
            for batch, rows in groups:
                ready = _claim(control, batch, rows)
                try:
                    if ready:
                        group_reports = _validate_group(work, project, batch, ready, chunk_rows, build_docs)
                        for report, row in zip(group_reports, ready, strict=True):
                            _emit(metrics_backend, report, row)
                        reports.extend(group_reports)
                except Exception:
                    work.rollback()
                    log.exception("validation of %s failed: %s", _syncs(len(ready), batch), _labels(ready))
                    failed.extend(f"{_label(row)} {row['resource']} (sync {row['sync_log_id']})" for row in ready)
                finally:
                    _unlock(control, [row["sync_log_id"] for row in ready])
                done += len(rows)
                log.info(
                    "data quality: %s of %s sync results done (%s validated, %s failed) in %.1f s",
                    f"{done:,}",
                    f"{len(pending):,}",
                    f"{len(reports):,}",
                    f"{len(failed):,}",
                    time.monotonic() - started,
                )
    if failed:
        raise DataQualityValidationError(
            f"could not validate {len(failed)} sync result(s): {'; '.join(failed)}. Their loaded records stay "
            "queued and the next run validates them again; the task log above has each error"
        )
    return reports


def _claim(control: psycopg.Connection[Any], batch: QualityBatch, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The group's syncs this run may validate: locked, and (the list was read before the locks) still
    awaiting validation. Another run holds or has done the others; each is named in the log."""
    ids = [row["sync_log_id"] for row in rows]
    locked = {
        found["id"]
        for found in control.execute(
            "SELECT id FROM unnest(%s::uuid[]) AS id WHERE pg_try_advisory_lock(hashtextextended(%s || id::text, 0))",
            (ids, LOCK_PREFIX),
        )
    }
    awaiting = {
        found["sync_log_id"]
        for found in control.execute(
            "SELECT DISTINCT sync_log_id FROM servicetitan_sync_loaded_records"
            " WHERE sync_log_id = ANY(%s) AND resource = %s",
            ([sync for sync in ids if sync in locked], batch.data_type),
        )
    }
    for row in rows:
        if row["sync_log_id"] not in locked:
            log.info("%s %s: another validation holds this sync; skipped", _label(row), batch.data_type)
        elif row["sync_log_id"] not in awaiting:
            sync = row["sync_log_id"]
            log.info("%s %s: another run already validated sync %s; skipped", _label(row), batch.data_type, sync)
    _unlock(control, [sync for sync in locked if sync not in awaiting])
    return [row for row in rows if row["sync_log_id"] in awaiting]


def _validate_group(
    work: psycopg.Connection[Any],
    project: GreatExpectationsProject,
    batch: QualityBatch,
    rows: list[dict[str, Any]],
    chunk_rows: int,
    build_docs: bool,
) -> list[QualityReport]:
    ids = [row["sync_log_id"] for row in rows]
    reports = {
        row["sync_log_id"]: QualityReport(
            sync_log_id=row["sync_log_id"], credential_id=row["credential_id"], label=_label(row), batch=batch
        )
        for row in rows
    }
    started = time.monotonic()
    validated_at = datetime.now(UTC)
    total = 0
    run_name = _run_name(rows, batch.data_type)
    tenants = {row["sync_log_id"]: row["tenant_id"] for row in rows}
    for part, chunk in enumerate(read_chunks(work, batch, ids, chunk_rows), start=1):
        # Each chunk is a suite run with a page of its own: one name for all would keep only the last chunk's.
        name = run_name if part == 1 else f"{run_name}-part-{part}"
        verdicts = project.validate(
            batch, chunk, run_name=name, run_time=validated_at, build_docs=build_docs, tenants=tenants
        )
        for sync_log_id, verdict in verdicts.items():
            reports[sync_log_id].add(verdict)
        total = sum(report.total_records for report in reports.values())
        elapsed = time.monotonic() - started
        log.info(
            "%s: validated %s records (%s invalid) of %s in %.1f s, %.0f records/s",
            batch.data_type,
            f"{total:,}",
            f"{sum(report.invalid_records for report in reports.values()):,}",
            _syncs(len(rows), batch),
            elapsed,
            total / elapsed if elapsed else 0.0,
        )
    work.commit()  # ends the read (and its server-side cursor): the save below is a transaction of its own
    elapsed = time.monotonic() - started
    with work.transaction():
        for report in reports.values():
            # Syncs sharing a suite run share its time in proportion to their records.
            report.validation_seconds = elapsed * (report.total_records / total if total else 1 / len(reports))
            work.execute(
                load_sql("data_quality/upsert_data_quality_result"),
                {**report.as_row(), "validated_at": validated_at},
            )
        work.execute(
            "DELETE FROM servicetitan_sync_loaded_records WHERE sync_log_id = ANY(%s) AND resource = %s",
            (ids, batch.data_type),
        )
    for report in reports.values():
        # Every score in a small run; at scale only the syncs with a fault (the data-quality table has them all).
        if len(reports) <= 10 or report.failing() or report.score is None:
            log.info(
                "%s %s: data-quality score %s (%d of %d records valid)%s",
                report.label,
                batch.data_type,
                format_score(report.score),
                report.valid_records,
                report.total_records,
                "; failing: " + "; ".join(f"{o.description} ({o.unexpected_count})" for o in report.failing())
                if report.failing()
                else "",
            )
    return list(reports.values())


def _label(row: dict[str, Any]) -> str:
    return f"{row['company_name']} ({row['environment']}, tenant {row['tenant_id']})"


def _labels(rows: list[dict[str, Any]]) -> str:
    shown = ", ".join(_label(row) for row in rows[:3])
    return shown if len(rows) <= 3 else f"{shown} and {len(rows) - 3:,} more"


def _syncs(count: int, batch: QualityBatch) -> str:
    return f"{count:,} sync{'' if count == 1 else 's'} of {batch.data_type}"


def _run_name(rows: list[dict[str, Any]], data_type: str) -> str:
    """The run's name in the data docs (its page's folder): readable, and safe as a folder and URL segment.
    A run shared by several syncs is named after none of their tenants, whose alerts all link to it: the data
    type and how many syncs share it (GX adds the run's time to the path)."""
    first = rows[0]["sync_log_id"].hex[:8]
    if len(rows) > 1:
        return f"{data_type}-shared-by-{len(rows)}-syncs-{first}"
    readable = re.sub(r"[^A-Za-z0-9]+", "-", _label(rows[0])).strip("-").lower()
    return f"{readable}-{data_type}-sync-{first}"


def _emit(metrics: MetricsBackend, report: QualityReport, row: dict[str, Any]) -> None:
    tags = {"company": row["company_name"], "environment": row["environment"], "data_type": report.batch.data_type}
    metrics.gauge("servicetitan.data_quality.total_records", report.total_records, tags=tags)
    metrics.gauge("servicetitan.data_quality.valid_records", report.valid_records, tags=tags)
    metrics.gauge("servicetitan.data_quality.invalid_records", report.invalid_records, tags=tags)
    if report.score is not None:  # nothing to score is no data point, neither 100 nor 0
        metrics.gauge("servicetitan.data_quality.score", float(report.score), tags=tags)


# Advisory-lock key of a sync's validation: this prefix and the sync's id.
LOCK_PREFIX = "servicetitan_data_quality:"


def _unlock(conn: psycopg.Connection[Any], sync_log_ids: list[uuid.UUID]) -> None:
    if sync_log_ids:
        conn.execute(
            "SELECT pg_advisory_unlock(hashtextextended(%s || id::text, 0)) FROM unnest(%s::uuid[]) AS id",
            (LOCK_PREFIX, sync_log_ids),
        )
