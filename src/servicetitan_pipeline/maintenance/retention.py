"""Log retention: keep ``servicetitan_sync_logs`` lean without losing what the dashboard reads.

Finished sync-log rows started before the cutoff (midnight UTC, ``keep_days`` days ago) are added to the
daily aggregates (``servicetitan_sync_log_daily``; their data-quality results to
``servicetitan_data_quality_daily``) and deleted, batch by batch, each batch in one transaction: a crash
loses nothing and counts nothing twice, and a rerun carries on where the last committed batch ended. Rows
still running, and each credential's latest completed, latest failed and latest validated syncs (which the
dashboard and the alerts read raw), are never touched. Metric snapshots and resolved alerts older than
``snapshot_keep_days`` are deleted too.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.engine import Connection, Engine

from servicetitan_pipeline.db.engine import get_engine
from servicetitan_pipeline.sql_files import load_sql

log = logging.getLogger("servicetitan_pipeline.maintenance")

DEFAULT_BATCH_SIZE = 5000


@dataclass(frozen=True)
class BatchReport:
    """One committed batch of the sync-log roll-up."""

    number: int
    sync_logs_rolled_up: int
    data_quality_results_rolled_up: int
    first_started_at: datetime
    last_started_at: datetime
    seconds: float


@dataclass
class RetentionReport:
    sync_log_cutoff: str = ""
    snapshot_cutoff: str = ""
    batches: int = 0
    sync_logs_rolled_up: int = 0
    data_quality_results_rolled_up: int = 0
    metric_snapshots_deleted: int = 0
    resolved_alerts_deleted: int = 0
    seconds: float = 0.0


def sync_log_cutoff(now: datetime, keep_days: int) -> datetime:
    """Midnight UTC ``keep_days`` days before ``now``'s day: whole days are rolled up, never part of one."""
    day = now.astimezone(UTC).date() - timedelta(days=keep_days)
    return datetime.combine(day, clock_time(), tzinfo=UTC)


def apply_retention(
    engine: Engine | None = None,
    *,
    keep_days: int = 90,
    snapshot_keep_days: int = 30,
    batch_size: int = DEFAULT_BATCH_SIZE,
    now: datetime | None = None,
    on_batch: Callable[[BatchReport], None] | None = None,
) -> RetentionReport:
    """Roll up and delete old sync logs, then prune old metric snapshots and resolved alerts.

    ``on_batch`` is called after each committed roll-up batch (progress, tests).
    """
    for name, value in (("keep_days", keep_days), ("snapshot_keep_days", snapshot_keep_days)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number of days >= 1, got {value!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    engine = engine or get_engine()
    now = now or datetime.now(UTC)
    started = time.monotonic()
    cutoff = sync_log_cutoff(now, keep_days)
    snapshot_cutoff = now - timedelta(days=snapshot_keep_days)
    report = RetentionReport(sync_log_cutoff=cutoff.isoformat(), snapshot_cutoff=snapshot_cutoff.isoformat())

    log.info(
        "rolling up finished sync logs started before %s (kept %d days) in batches of %d",
        cutoff.isoformat(),
        keep_days,
        batch_size,
    )
    _roll_up_sync_logs(engine, cutoff, batch_size, report, on_batch)
    report.metric_snapshots_deleted = _prune_metric_snapshots(engine, snapshot_cutoff, batch_size)
    with engine.begin() as conn:
        report.resolved_alerts_deleted = _rowcount(
            conn.execute(sa.text(load_sql("maintenance/delete_old_resolved_alerts")), {"cutoff": snapshot_cutoff})
        )
    report.seconds = round(time.monotonic() - started, 3)
    log.info(
        "retention done in %.1f s: %d sync logs rolled up and deleted (%d data-quality results) in %d batches; "
        "%d metric snapshots and %d resolved alerts older than %s deleted",
        report.seconds,
        report.sync_logs_rolled_up,
        report.data_quality_results_rolled_up,
        report.batches,
        report.metric_snapshots_deleted,
        report.resolved_alerts_deleted,
        snapshot_cutoff.isoformat(),
    )
    return report


_IDS = sa.bindparam("ids", type_=ARRAY(UUID(as_uuid=True)))


def _roll_up_sync_logs(
    engine: Engine,
    cutoff: datetime,
    batch_size: int,
    report: RetentionReport,
    on_batch: Callable[[BatchReport], None] | None,
) -> None:
    select_batch = sa.text(load_sql("maintenance/select_sync_logs_to_roll_up"))
    add_logs = sa.text(load_sql("maintenance/upsert_sync_log_daily")).bindparams(_IDS)
    add_results = sa.text(load_sql("maintenance/upsert_data_quality_daily")).bindparams(_IDS)
    delete_logs = sa.text(load_sql("maintenance/delete_rolled_up_sync_logs")).bindparams(_IDS)
    run_started = time.monotonic()
    while True:
        batch_started = time.monotonic()
        with engine.begin() as conn:
            rows = conn.execute(select_batch, {"cutoff": cutoff, "batch_size": batch_size}).all()
            if not rows:
                break
            ids: list[uuid.UUID] = [row.id for row in rows]
            first, last = rows[0].started_at, rows[-1].started_at
            conn.execute(add_logs, {"ids": ids})
            results = _count_results(conn, ids)
            conn.execute(add_results, {"ids": ids})
            deleted = _rowcount(conn.execute(delete_logs, {"ids": ids}))
            if deleted != len(ids):  # the rows are locked by this transaction: this cannot happen
                raise RuntimeError(f"rolled up {len(ids)} sync logs but deleted {deleted}; rolled back")
        report.batches += 1
        report.sync_logs_rolled_up += deleted
        report.data_quality_results_rolled_up += results
        batch = BatchReport(
            number=report.batches,
            sync_logs_rolled_up=deleted,
            data_quality_results_rolled_up=results,
            first_started_at=first,
            last_started_at=last,
            seconds=time.monotonic() - batch_started,
        )
        elapsed = time.monotonic() - run_started
        log.info(
            "batch %d: %d sync logs started %s .. %s rolled up and deleted (%d data-quality results) in %.2f s; "
            "%d so far, %.0f rows/s",
            batch.number,
            batch.sync_logs_rolled_up,
            first.isoformat(),
            last.isoformat(),
            results,
            batch.seconds,
            report.sync_logs_rolled_up,
            report.sync_logs_rolled_up / elapsed if elapsed > 0 else 0.0,
        )
        if on_batch is not None:
            on_batch(batch)
        if len(ids) < batch_size:
            break


def _count_results(conn: Connection, ids: list[uuid.UUID]) -> int:
    return int(
        conn.execute(
            sa.text("SELECT count(*) FROM servicetitan_data_quality_results WHERE sync_log_id = ANY(:ids)").bindparams(
                _IDS
            ),
            {"ids": ids},
        ).scalar_one()
    )


def _prune_metric_snapshots(engine: Engine, cutoff: datetime, batch_size: int) -> int:
    statement = sa.text(load_sql("maintenance/delete_old_metric_snapshots"))
    total = 0
    while True:
        with engine.begin() as conn:
            deleted = _rowcount(conn.execute(statement, {"cutoff": cutoff, "batch_size": batch_size}))
        total += deleted
        if deleted:
            log.info("deleted %d metric snapshots collected before %s (%d so far)", deleted, cutoff.isoformat(), total)
        if deleted < batch_size:
            return total


def _rowcount(result: sa.CursorResult[Any]) -> int:
    return int(result.rowcount or 0)
