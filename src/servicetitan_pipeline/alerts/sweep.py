"""Close sync-log rows still 'running' long past the timeout whose worker is gone.

A row is closed only if its sync's advisory locks are free: a lock still held means the worker is
alive (a very long sync), and that row is left alone.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import psycopg

from servicetitan_pipeline.db.enums import DataType
from servicetitan_pipeline.sql_files import load_sql
from servicetitan_pipeline.sync.locks import SyncLocks
from servicetitan_pipeline.sync.sync_log import close_abandoned

log = logging.getLogger("servicetitan_pipeline.alerts")
CLOSED_BY = "servicetitan_monitor_sync_failures"  # the DAG whose monitor runs the sweep


def close_overdue_syncs(conn: psycopg.Connection[Any], timeout_minutes: int) -> list[uuid.UUID]:
    """``conn`` must be in autocommit mode (the locks are session-level)."""
    overdue = conn.execute(
        load_sql("alerts/select_overdue_running_syncs"), {"timeout_minutes": timeout_minutes}
    ).fetchall()
    locks = SyncLocks(conn)
    closed = []
    for row_id, credential_id, data_type, started_at, company, environment, tenant_id in overdue:
        label = f"{company} ({environment}, tenant {tenant_id})"
        if locks.try_acquire(credential_id, DataType(data_type).resources):
            log.info("%s: sync started %s is still running (its worker holds the locks)", label, started_at)
            continue
        try:
            rows = close_abandoned(
                conn,
                credential_id,
                [data_type],
                what_happened=f"no worker has been running this sync for over {timeout_minutes} minutes",
                closing_note="Closed by the sync-failure monitor",
                closed_by=CLOSED_BY,
                sync_log_id=row_id,
            )
        finally:
            locks.release_all()
        if not rows:  # finished by its own worker since the select
            continue
        (committed,) = rows
        log.warning(
            "%s: closed the sync started %s as failed: its worker is gone; it had committed %d records "
            "(%d loaded, %d bad), which the next sync does not read again",
            label,
            started_at,
            committed.processed,
            committed.successful,
            committed.failed,
        )
        closed.append(row_id)
    return closed
