"""The sync-log row of one attempt: 'running' committed first (monitoring sees it), then closed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy.engine import Engine

from servicetitan_pipeline.db.engine import session_scope
from servicetitan_pipeline.db.enums import DataType, SyncStatus, SyncType
from servicetitan_pipeline.db.models import ServiceTitanSyncLog
from servicetitan_pipeline.sql_files import load_sql


def abandoned_reason(what_happened: str, closed_by: str) -> str:
    """The reason of a row closed as abandoned, by the next sync or by the sweep: a format() template whose
    three %s the closing UPDATE fills with the row's committed counts (kept page by page by the loader)."""
    return (
        f"{what_happened} (crashed or killed); it had committed %s records (%s loaded, %s bad), which stay "
        f"loaded: the next sync resumes after them. {closed_by}"
    )


class SyncLogWriter:
    def __init__(self, engine: Engine, credential_id: uuid.UUID, sync_type: SyncType, data_type: DataType) -> None:
        self._engine = engine
        self._credential_id = credential_id
        self._sync_type = sync_type
        self._data_type = data_type
        self.log_id: uuid.UUID | None = None
        self.started_at: datetime | None = None

    def close_abandoned(self, connection: psycopg.Connection[Any], closed_by: str) -> list[tuple[Any, ...]]:
        """Fail the rows a dead worker left 'running' (the caller holds their locks); returns each closed row's
        started_at and committed counts (processed, successful, failed)."""
        return connection.execute(
            load_sql("close_abandoned_syncs"),  # type: ignore[arg-type]
            {
                "credential_id": str(self._credential_id),
                "data_types": self._data_type.overlapping,
                "closed_by": closed_by,
                "reason": abandoned_reason(
                    "the worker running this sync stopped before finishing",
                    "Closed when the next sync of this credential started",
                ),
            },
        ).fetchall()

    def start(self) -> uuid.UUID:
        with session_scope(self._engine) as session:
            row = ServiceTitanSyncLog(
                credential_id=self._credential_id,
                sync_type=self._sync_type,
                data_type=self._data_type,
                status=SyncStatus.RUNNING,
                started_at=datetime.now(UTC),
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
        now = datetime.now(UTC)
        with session_scope(self._engine) as session:
            row = session.get(ServiceTitanSyncLog, self.log_id) if self.log_id else None
            if row is None:
                row = ServiceTitanSyncLog(
                    id=uuid.uuid4(),  # known now, not only at the flush: log_id names this row below
                    credential_id=self._credential_id,
                    sync_type=self._sync_type,
                    data_type=self._data_type,
                    started_at=now,
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
