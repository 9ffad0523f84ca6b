"""The sync-log row of one attempt: 'running' committed first (monitoring sees it), then closed."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import psycopg
from sqlalchemy.engine import Engine

from servicetitan_pipeline.db.engine import session_scope
from servicetitan_pipeline.db.enums import DataType, SyncStatus, SyncType
from servicetitan_pipeline.db.models import ServiceTitanSyncLog
from servicetitan_pipeline.sql_files import load_sql


class AbandonedSyncLog(NamedTuple):
    """A sync-log row closed as abandoned, with the counts its attempt had committed."""

    id: uuid.UUID
    started_at: datetime
    processed: int
    successful: int
    failed: int


def close_abandoned(
    connection: psycopg.Connection[Any],
    credential_id: uuid.UUID,
    data_types: Sequence[str],
    *,
    what_happened: str,
    closing_note: str,
    closed_by: str,
    sync_log_id: uuid.UUID | None = None,
) -> list[AbandonedSyncLog]:
    """Fail the credential's rows of ``data_types`` a dead worker left 'running' (the caller holds the advisory
    locks of those data types, so their worker is gone), or only the row ``sync_log_id``. The counts each row
    committed (the loader keeps them page by page) stay; its reason says what happened, that those records
    stay loaded, and ``closing_note``; ``closed_by`` names the closer in its error details."""
    rows = connection.execute(
        load_sql("sync/close_abandoned_sync_logs"),
        {
            "credential_id": credential_id,
            "data_types": list(data_types),
            "sync_log_id": sync_log_id,
            "closed_by": closed_by,
            # A format() template: the UPDATE fills its three %s with the row's committed counts.
            "reason": (
                f"{what_happened} (crashed or killed); it had committed %s records (%s loaded, %s bad), which "
                f"stay loaded: the next sync resumes after them. {closing_note}"
            ),
        },
    ).fetchall()
    return [AbandonedSyncLog(*row) for row in rows]


Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The clock of a real sync; a simulation passes its own."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class AirflowTaskRef:
    """The Airflow task instance running a sync: recorded on its row, so pages and Slack link its exact log."""

    run_id: str
    map_index: int


class SyncLogWriter:
    def __init__(
        self,
        engine: Engine,
        credential_id: uuid.UUID,
        sync_type: SyncType,
        data_type: DataType,
        airflow_task: AirflowTaskRef | None = None,
        *,
        clock: Clock = utc_now,
    ) -> None:
        """``clock``: the sync's time, for the row's started_at and completed_at (a simulation's own, else now)."""
        self._engine = engine
        self.clock = clock
        self._airflow_task = airflow_task
        self._credential_id = credential_id
        self._sync_type = sync_type
        self._data_type = data_type
        self.log_id: uuid.UUID | None = None
        self.started_at: datetime | None = None

    def start(self) -> uuid.UUID:
        with session_scope(self._engine) as session:
            row = ServiceTitanSyncLog(
                credential_id=self._credential_id,
                sync_type=self._sync_type,
                data_type=self._data_type,
                status=SyncStatus.RUNNING,
                started_at=self.clock(),
                **self._airflow_columns(),
            )
            session.add(row)
        self.log_id, self.started_at = row.id, row.started_at
        return row.id

    def finish(
        self,
        status: SyncStatus,
        *,
        processed: int,
        successful: int,
        failed: int,
        error_message: str | None = None,
        error_details: dict[str, Any] | None = None,
    ) -> None:
        """Close this attempt's row; a refused attempt that never started gets a finished row of its own."""
        now = self.clock()
        with session_scope(self._engine) as session:
            row = session.get(ServiceTitanSyncLog, self.log_id) if self.log_id else None
            if row is None:
                row = ServiceTitanSyncLog(
                    id=uuid.uuid4(),  # known now, not only at the flush: log_id names this row below
                    credential_id=self._credential_id,
                    sync_type=self._sync_type,
                    data_type=self._data_type,
                    started_at=now,
                    **self._airflow_columns(),
                )
                session.add(row)
            started = row.started_at or now
            row.status = status
            row.completed_at = max(now, started)
            row.processing_time_seconds = max(0, round((row.completed_at - started).total_seconds()))
            row.records_processed = processed
            row.records_successful = successful
            row.records_failed = failed
            row.error_message = error_message
            row.error_details = error_details
            self.log_id = row.id

    def _airflow_columns(self) -> dict[str, Any]:
        task = self._airflow_task
        return {} if task is None else {"airflow_run_id": task.run_id, "airflow_map_index": task.map_index}
