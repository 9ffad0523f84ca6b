"""The sync-log row of one attempt, written by SyncLogWriter."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicetitan_pipeline.db.enums import DataType, SyncStatus, SyncType
from servicetitan_pipeline.sync.sync_log import SyncLogWriter
from tests.factories import make_credential


def _rows(engine: Engine, credential_id: uuid.UUID) -> list[sa.Row[tuple[object, ...]]]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "SELECT id, status, error_message, error_details, error_details IS NULL AS sql_null"
                    " FROM servicetitan_sync_logs WHERE credential_id = :credential"
                ),
                {"credential": credential_id},
            )
        )


def test_a_refused_attempt_gets_a_failed_row_of_its_own_even_without_details(
    session: Session, clean_db: Engine
) -> None:
    credential = make_credential(company_name="Refused")
    session.add(credential)
    session.commit()
    writer = SyncLogWriter(clean_db, credential.id, SyncType.MANUAL, DataType.BOTH)
    writer.finish(SyncStatus.FAILED, processed=0, successful=0, failed=0, error_message="refused before starting")
    [(row_id, status, message, details, sql_null)] = _rows(clean_db, credential.id)
    assert (status, message, details, sql_null) == ("failed", "refused before starting", None, True)
    assert writer.log_id == row_id


def test_a_completed_attempt_without_bad_records_stores_no_details(session: Session, clean_db: Engine) -> None:
    credential = make_credential(company_name="Clean")
    session.add(credential)
    session.commit()
    writer = SyncLogWriter(clean_db, credential.id, SyncType.SCHEDULED, DataType.INVOICES)
    started = writer.start()
    writer.finish(SyncStatus.COMPLETED, processed=3, successful=3, failed=0)
    # SQL NULL, not the JSON value null.
    assert [tuple(row) for row in _rows(clean_db, credential.id)] == [(started, "completed", None, None, True)]
