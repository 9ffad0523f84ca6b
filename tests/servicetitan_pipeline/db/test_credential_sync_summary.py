"""servicetitan_credential_sync_summary (migration 0008): the triggers on the sync log keep each credential's
last success and last failure equal to what the log says, whoever writes it and however."""

from __future__ import annotations

import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicetitan_pipeline.alerts.sweep import close_overdue_syncs
from servicetitan_pipeline.db.engine import psycopg_conninfo
from servicetitan_pipeline.db.enums import DataType, SyncStatus, SyncType
from servicetitan_pipeline.db.models import (
    ServiceTitanCredential,
    ServiceTitanCredentialSyncSummary,
    ServiceTitanSyncLog,
)
from servicetitan_pipeline.maintenance.retention import apply_retention
from servicetitan_pipeline.sync.sync_log import SyncLogWriter, close_abandoned
from tests.factories import make_credential, make_sync_log

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

# What the summary must say, computed from the log the slow way.
FROM_LOG = """
SELECT c.id,
    (SELECT max(l.completed_at) FROM servicetitan_sync_logs l WHERE l.credential_id = c.id AND l.status = 'completed'),
    (SELECT max(l.started_at) FROM servicetitan_sync_logs l WHERE l.credential_id = c.id AND l.status = 'failed')
FROM servicetitan_credentials c
"""
# The summary's times, and the times of the rows it names (NULL if such a row is missing or not of its kind).
FROM_SUMMARY = """
SELECT c.id, s.last_success_at, s.last_failure_at,
    (SELECT l.completed_at FROM servicetitan_sync_logs l WHERE l.id = s.last_success_log_id
        AND l.credential_id = c.id AND l.status = 'completed'),
    (SELECT l.started_at FROM servicetitan_sync_logs l WHERE l.id = s.last_failure_log_id
        AND l.credential_id = c.id AND l.status = 'failed')
FROM servicetitan_credentials c
LEFT JOIN servicetitan_credential_sync_summary s ON s.credential_id = c.id
"""


def summary(engine: Engine, credential_id: uuid.UUID) -> tuple[Any, ...] | None:
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT last_success_at, last_success_log_id, last_failure_at, last_failure_log_id"
                " FROM servicetitan_credential_sync_summary WHERE credential_id = :id"
            ),
            {"id": credential_id},
        ).one_or_none()
    return None if row is None else tuple(row)


def last_success(engine: Engine, credential_id: uuid.UUID) -> tuple[Any, ...]:
    return (summary(engine, credential_id) or (None,) * 4)[:2]


def last_failure(engine: Engine, credential_id: uuid.UUID) -> tuple[Any, ...]:
    return (summary(engine, credential_id) or (None,) * 4)[2:]


def assert_summary_matches_log(engine: Engine) -> None:
    with engine.connect() as conn:
        expected = {row[0]: (row[1], row[2]) for row in conn.execute(sa.text(FROM_LOG))}
        found = {row[0]: tuple(row[1:]) for row in conn.execute(sa.text(FROM_SUMMARY))}
    assert {credential: (s, f) for credential, (s, f, _, _) in found.items()} == expected
    # The rows it names exist and carry those times.
    assert {credential: (s, f) for credential, (_, _, s, f) in found.items()} == expected


def finished(credential: ServiceTitanCredential, status: str, started: datetime, seconds: int = 30) -> Any:
    return make_sync_log(
        credential, status=status, started_at=started, completed_at=started + timedelta(seconds=seconds)
    )


def running(credential: ServiceTitanCredential, started: datetime, data_type: str = "invoices") -> Any:
    return make_sync_log(
        credential,
        status="running",
        data_type=data_type,
        started_at=started,
        completed_at=None,
        processing_time_seconds=None,
        records_processed=0,
        records_successful=0,
        records_failed=0,
    )


def execute(engine: Engine, sql: str, **params: Any) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def test_a_finished_row_moves_the_summary_forward_never_back(session: Session, clean_db: Engine) -> None:
    acme = make_credential()
    session.add(acme)
    session.commit()
    session.add(running(acme, T0))
    session.commit()
    assert summary(clean_db, acme.id) is None  # a running row is nobody's last anything

    first = finished(acme, "completed", T0)
    session.add(first)
    session.commit()
    assert summary(clean_db, acme.id) == (first.completed_at, first.id, None, None)

    newer = finished(acme, "completed", T0 + timedelta(hours=1))
    older = finished(acme, "completed", T0 - timedelta(days=1))
    session.add_all([newer, older])
    session.commit()
    assert summary(clean_db, acme.id) == (newer.completed_at, newer.id, None, None)

    # The last failure is when the failed sync started, as the dashboard shows it.
    failure = finished(acme, "failed", T0 + timedelta(minutes=10), seconds=600)
    session.add_all([failure, finished(acme, "failed", T0 - timedelta(hours=5))])
    session.commit()
    assert summary(clean_db, acme.id) == (newer.completed_at, newer.id, failure.started_at, failure.id)
    assert_summary_matches_log(clean_db)


def test_the_sync_log_writer_start_and_finish(session: Session, clean_db: Engine) -> None:
    acme = make_credential()
    session.add(acme)
    session.commit()
    writer = SyncLogWriter(clean_db, acme.id, SyncType.SCHEDULED, DataType.INVOICES)
    writer.start()
    assert summary(clean_db, acme.id) is None
    writer.finish(SyncStatus.COMPLETED, processed=3, successful=3, failed=0)
    with clean_db.connect() as conn:
        completed_at = conn.execute(
            sa.text("SELECT completed_at FROM servicetitan_sync_logs WHERE id = :id"), {"id": writer.log_id}
        ).scalar_one()
    assert summary(clean_db, acme.id) == (completed_at, writer.log_id, None, None)

    # A refused attempt that never started gets a finished row of its own: a failure.
    refused = SyncLogWriter(clean_db, acme.id, SyncType.MANUAL, DataType.INVOICES)
    refused.finish(
        SyncStatus.FAILED,
        processed=0,
        successful=0,
        failed=0,
        error_message="overlapping",
        error_details={"exception": "OverlappingSyncError"},
    )
    with clean_db.connect() as conn:
        refused_row = conn.execute(
            sa.text("SELECT id, started_at FROM servicetitan_sync_logs WHERE status = 'failed'")
        ).one()
    assert summary(clean_db, acme.id) == (completed_at, writer.log_id, refused_row.started_at, refused_row.id)
    assert_summary_matches_log(clean_db)


def test_rows_closed_by_the_sweep_and_at_the_next_start_are_failures(session: Session, clean_db: Engine) -> None:
    acme = make_credential()
    session.add(acme)
    session.commit()
    now = datetime.now(UTC)
    overdue, abandoned = running(acme, now - timedelta(hours=5)), running(acme, now - timedelta(hours=1), "customers")
    session.add_all([finished(acme, "failed", now - timedelta(hours=9)), overdue, abandoned])
    session.commit()

    with psycopg.connect(psycopg_conninfo(clean_db), autocommit=True) as conn:
        assert close_overdue_syncs(conn, timeout_minutes=120) == [overdue.id]
    assert last_failure(clean_db, acme.id) == (overdue.started_at, overdue.id)

    with psycopg.connect(psycopg_conninfo(clean_db), autocommit=True) as conn:
        closed = close_abandoned(
            conn, acme.id, DataType.CUSTOMERS.overlapping, what_happened="gone", closing_note="", closed_by="test"
        )
        assert [row.id for row in closed] == [abandoned.id]
    assert last_failure(clean_db, acme.id) == (abandoned.started_at, abandoned.id)
    assert_summary_matches_log(clean_db)


def test_a_change_to_the_latest_row_finds_the_next_latest(session: Session, clean_db: Engine) -> None:
    acme, bright = make_credential(company_name="Acme"), make_credential(company_name="Bright")
    rows = [finished(acme, "completed", T0 + timedelta(hours=h)) for h in range(3)]
    failures = [finished(acme, "failed", T0 + timedelta(hours=h, minutes=30)) for h in range(2)]
    session.add_all([acme, bright, *rows, *failures])
    session.commit()
    latest = rows[2]

    execute(clean_db, "UPDATE servicetitan_sync_logs SET status = 'failed' WHERE id = :id", id=latest.id)
    assert summary(clean_db, acme.id) == (rows[1].completed_at, rows[1].id, latest.started_at, latest.id)
    assert_summary_matches_log(clean_db)

    execute(clean_db, "UPDATE servicetitan_sync_logs SET status = 'completed' WHERE id = :id", id=latest.id)
    assert summary(clean_db, acme.id) == (latest.completed_at, latest.id, failures[1].started_at, failures[1].id)

    # Times moved back: the row is no longer the latest.
    execute(
        clean_db,
        "UPDATE servicetitan_sync_logs SET started_at = started_at - interval '1 day',"
        " completed_at = completed_at - interval '1 day' WHERE id = :id",
        id=latest.id,
    )
    assert last_success(clean_db, acme.id) == (rows[1].completed_at, rows[1].id)

    # Moved to another credential: counted there, forgotten here.
    execute(
        clean_db, "UPDATE servicetitan_sync_logs SET credential_id = :to WHERE id = :id", to=bright.id, id=rows[1].id
    )
    assert last_success(clean_db, acme.id) == (rows[0].completed_at, rows[0].id)
    assert summary(clean_db, bright.id) == (rows[1].completed_at, rows[1].id, None, None)

    # Back to running (plain SQL may): no longer a success.
    execute(
        clean_db,
        "UPDATE servicetitan_sync_logs SET status = 'running', completed_at = NULL, processing_time_seconds = NULL"
        " WHERE id = :id",
        id=rows[1].id,
    )
    assert summary(clean_db, bright.id) == (None, None, None, None)
    assert_summary_matches_log(clean_db)


def test_an_update_of_other_columns_changes_nothing(session: Session, clean_db: Engine) -> None:
    acme = make_credential()
    latest = finished(acme, "completed", T0)
    session.add_all([acme, latest])
    session.commit()
    before = summary(clean_db, acme.id)
    execute(
        clean_db, "UPDATE servicetitan_sync_logs SET records_failed = 1, status = status WHERE id = :id", id=latest.id
    )
    assert summary(clean_db, acme.id) == before


def test_deleting_the_latest_rows_falls_back_to_the_ones_before(session: Session, clean_db: Engine) -> None:
    acme = make_credential()
    successes = [finished(acme, "completed", T0 + timedelta(hours=h)) for h in range(3)]
    failures = [finished(acme, "failed", T0 + timedelta(hours=h, minutes=30)) for h in range(2)]
    session.add_all([acme, *successes, *failures])
    session.commit()

    execute(clean_db, "DELETE FROM servicetitan_sync_logs WHERE id = :id", id=successes[0].id)  # not the latest
    assert summary(clean_db, acme.id) == (
        successes[2].completed_at,
        successes[2].id,
        failures[1].started_at,
        failures[1].id,
    )

    execute(clean_db, "DELETE FROM servicetitan_sync_logs WHERE id IN (:a, :b)", a=successes[2].id, b=failures[1].id)
    assert summary(clean_db, acme.id) == (
        successes[1].completed_at,
        successes[1].id,
        failures[0].started_at,
        failures[0].id,
    )

    execute(clean_db, "DELETE FROM servicetitan_sync_logs WHERE credential_id = :id", id=acme.id)
    assert summary(clean_db, acme.id) == (None, None, None, None)
    assert_summary_matches_log(clean_db)


def test_retention_keeps_the_rows_the_summary_names_and_leaves_it_as_it_was(session: Session, clean_db: Engine) -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    old = now - timedelta(days=200)
    quiet, busy = make_credential(company_name="Quiet"), make_credential(company_name="Busy")
    session.add_all(
        [
            *(
                finished(quiet, status, old + timedelta(hours=h))
                for h, status in enumerate(["completed", "failed"] * 3)
            ),
            *(finished(busy, "completed", old + timedelta(hours=h)) for h in range(5)),
            finished(busy, "failed", old),
            finished(busy, "completed", now - timedelta(days=1)),
        ]
    )
    session.commit()
    with clean_db.connect() as conn:
        before = set(conn.execute(sa.text("SELECT * FROM servicetitan_credential_sync_summary")).all())

    report = apply_retention(clean_db, now=now, batch_size=2)

    assert report.sync_logs_rolled_up == 4 + 5  # Quiet keeps its last success and failure, Busy its old failure
    with clean_db.connect() as conn:
        assert set(conn.execute(sa.text("SELECT * FROM servicetitan_credential_sync_summary")).all()) == before
    assert_summary_matches_log(clean_db)


def test_deleting_a_credential_takes_its_summary_along(session: Session, clean_db: Engine) -> None:
    acme, bright = make_credential(company_name="Acme"), make_credential(company_name="Bright")
    session.add_all([finished(c, s, T0) for c in (acme, bright) for s in ("completed", "failed")])
    session.commit()

    session.delete(acme)  # the ORM's delete: the database cascades
    session.commit()
    execute(clean_db, "DELETE FROM servicetitan_credentials WHERE id = :id", id=bright.id)  # plain SQL
    with clean_db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM servicetitan_credential_sync_summary")).scalar_one() == 0


def test_truncating_the_log_empties_the_summary(session: Session, clean_db: Engine) -> None:
    acme = make_credential()
    session.add_all([acme, finished(acme, "completed", T0), finished(acme, "failed", T0)])
    session.commit()
    execute(clean_db, "TRUNCATE servicetitan_sync_logs CASCADE")
    assert summary(clean_db, acme.id) is None
    assert_summary_matches_log(clean_db)


def test_random_plain_sql_writes_keep_the_summary_equal_to_the_log(session: Session, clean_db: Engine) -> None:
    """Inserts, status and time changes, moves and deletes, one or many rows a statement, in a seeded order."""
    credentials = [make_credential(company_name=f"Co {i}") for i in range(3)]
    session.add_all(credentials)
    session.commit()
    ids = [c.id for c in credentials]
    draw = random.Random(7)
    rows: list[uuid.UUID] = []
    for step in range(300):
        action = draw.choice(["insert", "insert", "finish", "reopen", "shift", "move", "delete", "delete_many"])
        row = draw.choice(rows) if rows else None
        if action == "insert" or row is None:
            rows.append(uuid.uuid4())
            status = draw.choice(["running", "completed", "failed"])
            started = T0 + timedelta(minutes=draw.randrange(0, 500))
            execute(
                clean_db,
                "INSERT INTO servicetitan_sync_logs (id, credential_id, sync_type, data_type, status, started_at,"
                " completed_at) VALUES (:id, :credential, 'scheduled', 'both', :status, :started, :completed)",
                id=rows[-1],
                credential=draw.choice(ids),
                status=status,
                started=started,
                completed=None if status == "running" else started + timedelta(minutes=1),
            )
        elif action == "finish":
            execute(
                clean_db,
                "UPDATE servicetitan_sync_logs SET status = :status,"
                " completed_at = coalesce(completed_at, started_at + interval '2 minutes') WHERE id = :id",
                status=draw.choice(["completed", "failed"]),
                id=row,
            )
        elif action == "reopen":
            execute(
                clean_db,
                "UPDATE servicetitan_sync_logs SET status = 'running', completed_at = NULL WHERE id = :id",
                id=row,
            )
        elif action == "shift":
            execute(
                clean_db,
                "UPDATE servicetitan_sync_logs SET started_at = started_at + :by, completed_at = completed_at + :by"
                " WHERE credential_id = (SELECT credential_id FROM servicetitan_sync_logs WHERE id = :id)",
                by=timedelta(minutes=draw.randrange(-300, 300)),
                id=row,
            )
        elif action == "move":
            execute(
                clean_db,
                "UPDATE servicetitan_sync_logs SET credential_id = :to WHERE id = :id",
                to=draw.choice(ids),
                id=row,
            )
        elif action == "delete":
            execute(clean_db, "DELETE FROM servicetitan_sync_logs WHERE id = :id", id=row)
            rows.remove(row)
        else:
            doomed = draw.sample(rows, k=min(len(rows), draw.randrange(1, 6)))
            with clean_db.begin() as conn:
                for doomed_id in doomed:
                    conn.execute(sa.text("DELETE FROM servicetitan_sync_logs WHERE id = :id"), {"id": doomed_id})
            rows = [r for r in rows if r not in doomed]
        if step % 25 == 0:
            assert_summary_matches_log(clean_db)
    assert_summary_matches_log(clean_db)


def test_a_sync_finishing_while_the_latest_row_is_deleted_is_not_lost(session: Session, clean_db: Engine) -> None:
    """The delete's recompute waits for the finishing sync's lock on the summary row, then reads the log
    afresh: it sees the new success instead of writing back an older one."""
    acme = make_credential()
    old = finished(acme, "completed", T0)
    session.add_all([acme, old])
    session.commit()
    new_id = uuid.uuid4()
    with (
        psycopg.connect(psycopg_conninfo(clean_db)) as finishing,
        psycopg.connect(psycopg_conninfo(clean_db)) as deleting,
    ):
        finishing.execute(
            "INSERT INTO servicetitan_sync_logs (id, credential_id, sync_type, data_type, status, started_at,"
            " completed_at) VALUES (%s, %s, 'scheduled', 'both', 'completed', %s, %s)",
            (new_id, acme.id, T0 + timedelta(hours=1), T0 + timedelta(hours=2)),
        )
        pid = deleting.info.backend_pid

        def delete_old() -> None:
            deleting.execute("DELETE FROM servicetitan_sync_logs WHERE id = %s", (old.id,))
            deleting.commit()

        worker = threading.Thread(target=delete_old)
        worker.start()
        _wait_until_blocked(clean_db, pid)
        finishing.commit()
        worker.join(timeout=30)
        assert not worker.is_alive()
    assert summary(clean_db, acme.id) == (T0 + timedelta(hours=2), new_id, None, None)
    assert_summary_matches_log(clean_db)


def _wait_until_blocked(engine: Engine, pid: int) -> None:
    """Until the backend ``pid`` waits for a lock (synchronisation only: nothing about time is asserted)."""
    with engine.connect() as conn:
        for _ in range(500):
            waiting = conn.execute(
                sa.text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar_one_or_none()
            if waiting == "Lock":
                return
            conn.rollback()
            time.sleep(0.02)
    raise AssertionError(f"backend {pid} never waited for the summary row's lock")


def test_the_model_reads_what_the_triggers_wrote(session: Session, clean_db: Engine) -> None:
    """What the ORM sees after a finish: the triggers' row, through the model."""
    acme = make_credential()
    done: ServiceTitanSyncLog = finished(acme, "completed", T0)
    session.add_all([acme, done])
    session.commit()
    row = session.get(ServiceTitanCredentialSyncSummary, acme.id)
    assert row is not None
    assert (row.last_success_at, row.last_success_log_id, row.last_failure_at) == (done.completed_at, done.id, None)
