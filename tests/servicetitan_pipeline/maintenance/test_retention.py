"""Log retention on the real PostgreSQL: old finished sync logs become daily aggregates and go, exactly once,
and the dashboard's views show the same figures afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicetitan_pipeline.db.models import (
    ServiceTitanAlert,
    ServiceTitanCredential,
    ServiceTitanMetricSnapshot,
    ServiceTitanSyncLog,
)
from servicetitan_pipeline.maintenance import retention
from servicetitan_pipeline.maintenance.retention import BatchReport, apply_retention, sync_log_cutoff
from tests.factories import make_alert, make_credential, make_data_quality_result, make_sync_log

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CUTOFF = datetime(2026, 8, 24, tzinfo=UTC)  # midnight UTC, 90 days before NOW's day
OLD = datetime(2026, 8, 14, 10, 0, tzinfo=UTC)
LAST_OLD = CUTOFF - timedelta(minutes=30)  # 2026-08-23 23:30, the last old day
RECENT = NOW - timedelta(days=1)

DAILY_COLUMNS = (
    "day, credential_id, sync_type, data_type, status, sync_count, records_processed, records_successful,"
    " records_failed, timed_sync_count, total_processing_seconds, max_processing_seconds, processing_seconds"
)


def sync(
    credential: ServiceTitanCredential,
    started: datetime,
    status: str = "completed",
    seconds: int | None = 30,
    processed: int = 100,
    failed: int = 0,
    **overrides: Any,
) -> ServiceTitanSyncLog:
    return make_sync_log(
        credential,
        status=status,
        started_at=started,
        completed_at=None if status == "running" else started + timedelta(seconds=seconds or 1),
        processing_time_seconds=None if status == "running" else seconds,
        records_processed=processed,
        records_successful=processed - failed,
        records_failed=failed,
        **overrides,
    )


def world(session: Session) -> dict[str, Any]:
    """Two credentials with old rows to roll up, rows that must stay, and recent rows (each credential's
    latest completed, failed and validated syncs are recent, so nothing old is kept for them)."""
    acme = make_credential(company_name="Acme")
    bright = make_credential(company_name="Bright")
    old = {
        "acme_1": sync(acme, OLD, seconds=30, processed=100, failed=5),
        "acme_2": sync(acme, OLD + timedelta(hours=1), seconds=50, processed=200),
        "acme_3": sync(acme, OLD + timedelta(hours=2), seconds=None, processed=5),  # finished, no time
        "acme_manual_failed": sync(
            acme, OLD + timedelta(hours=3), "failed", seconds=20, processed=10, failed=10, sync_type="manual"
        ),
        "acme_last_old_day": sync(acme, LAST_OLD, seconds=40, processed=7, data_type="customers"),
        "bright_failed": sync(bright, OLD + timedelta(hours=4), "failed", seconds=7, processed=0, data_type="both"),
    }
    stay = {
        "acme_running": sync(acme, OLD + timedelta(hours=5), "running"),
        "acme_at_cutoff": sync(acme, CUTOFF, seconds=11, processed=3),
        "acme_recent": sync(acme, RECENT, seconds=12, processed=4),
        "acme_recent_failed": sync(acme, RECENT + timedelta(hours=1), "failed", seconds=2, processed=1, failed=1),
        "bright_recent": sync(bright, RECENT, seconds=13, processed=6, data_type="both"),
        "bright_recent_failed": sync(bright, RECENT + timedelta(hours=1), "failed", seconds=3, data_type="both"),
    }
    session.add_all([*old.values(), *stay.values()])
    session.flush()
    session.add_all(
        [
            make_data_quality_result(old["acme_1"], data_type="invoices", total_records=100, invalid_records=4),
            # Validated the day after the sync: it counts on the day of its validation.
            make_data_quality_result(
                old["acme_2"], data_type="invoices", total_records=200, invalid_records=20,
                validated_at=OLD + timedelta(days=1),
            ),
            make_data_quality_result(
                old["acme_last_old_day"], data_type="customers", total_records=7, invalid_records=0
            ),
            make_data_quality_result(stay["acme_recent"], data_type="invoices", total_records=4, invalid_records=0),
            make_data_quality_result(stay["acme_recent"], data_type="customers", total_records=4, invalid_records=1),
        ]
    )  # fmt: skip
    session.commit()
    return {"acme": acme, "bright": bright, "old": old, "stay": stay}


def daily_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                sa.text(f"SELECT {DAILY_COLUMNS} FROM servicetitan_sync_log_daily ORDER BY day, sync_type, status")
            )
        ]


def quality_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                sa.text(
                    "SELECT day, credential_id, data_type, validations, validated_records, valid_records"
                    " FROM servicetitan_data_quality_daily ORDER BY day, data_type"
                )
            )
        ]


def sync_log_ids(engine: Engine) -> set[Any]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT id FROM servicetitan_sync_logs")).scalars())


def run(engine: Engine, **overrides: Any) -> retention.RetentionReport:
    arguments: dict[str, Any] = {"keep_days": 90, "snapshot_keep_days": 30, "batch_size": 1000, "now": NOW}
    arguments.update(overrides)
    return apply_retention(engine, **arguments)


def expected_daily(w: dict[str, Any]) -> list[tuple[Any, ...]]:
    acme, bright = w["acme"].id, w["bright"].id
    day, last_day = OLD.date(), LAST_OLD.date()
    return sorted(
        [
            (day, acme, "manual", "invoices", "failed", 1, 10, 0, 10, 1, 20, 20, [20]),
            # acme_1, acme_2 and acme_3 (which has no processing time: counted, not timed).
            (day, acme, "scheduled", "invoices", "completed", 3, 305, 300, 5, 2, 80, 50, [30, 50]),
            (day, bright, "scheduled", "both", "failed", 1, 0, 0, 0, 1, 7, 7, [7]),
            (last_day, acme, "scheduled", "customers", "completed", 1, 7, 7, 0, 1, 40, 40, [40]),
        ],
        key=lambda row: (row[0], row[2], row[4]),
    )


def test_cutoff_is_midnight_utc_keep_days_before_today() -> None:
    assert sync_log_cutoff(NOW, 90) == CUTOFF
    assert sync_log_cutoff(datetime(2026, 11, 22, 23, 59, tzinfo=UTC), 1) == datetime(2026, 11, 21, tzinfo=UTC)


def test_old_finished_rows_are_rolled_up_with_exact_numbers_and_deleted(session: Session, clean_db: Engine) -> None:
    w = world(session)
    report = run(clean_db)

    assert daily_rows(clean_db) == expected_daily(w)
    acme = w["acme"].id
    assert quality_rows(clean_db) == [
        (OLD.date(), acme, "invoices", 1, 100, 96),
        (OLD.date() + timedelta(days=1), acme, "invoices", 1, 200, 180),
        (LAST_OLD.date(), acme, "customers", 1, 7, 7),
    ]
    assert sync_log_ids(clean_db) == {log.id for log in w["stay"].values()}
    assert (report.sync_logs_rolled_up, report.data_quality_results_rolled_up, report.batches) == (6, 3, 1)
    assert report.sync_log_cutoff == CUTOFF.isoformat()
    with clean_db.connect() as conn:  # the cascade took their results; the recent ones are still there
        assert conn.execute(sa.text("SELECT count(*) FROM servicetitan_data_quality_results")).scalar_one() == 2


def test_running_rows_rows_from_the_cutoff_on_and_recent_rows_are_untouched(session: Session, clean_db: Engine) -> None:
    w = world(session)
    with clean_db.connect() as conn:
        before = {row.id: tuple(row) for row in conn.execute(sa.text("SELECT * FROM servicetitan_sync_logs"))}
    run(clean_db)
    with clean_db.connect() as conn:
        after = {row.id: tuple(row) for row in conn.execute(sa.text("SELECT * FROM servicetitan_sync_logs"))}
    assert after == {log.id: before[log.id] for log in w["stay"].values()}


def test_a_rerun_is_a_no_op(session: Session, clean_db: Engine) -> None:
    w = world(session)
    run(clean_db)
    again = run(clean_db)
    assert (again.sync_logs_rolled_up, again.data_quality_results_rolled_up, again.batches) == (0, 0, 0)
    assert daily_rows(clean_db) == expected_daily(w)


def test_a_row_finishing_after_its_day_was_rolled_up_is_added_not_replaced(session: Session, clean_db: Engine) -> None:
    w = world(session)
    run(clean_db)
    running = session.get(ServiceTitanSyncLog, w["stay"]["acme_running"].id)
    assert running is not None
    running.status = "completed"  # type: ignore[assignment]
    running.completed_at = running.started_at + timedelta(seconds=60)
    running.processing_time_seconds = 60
    running.records_processed = running.records_successful = 1
    session.commit()
    run(clean_db)
    row = next(r for r in daily_rows(clean_db) if r[2:5] == ("scheduled", "invoices", "completed"))
    assert row[5:] == (4, 306, 301, 5, 3, 140, 60, [30, 50, 60])


def test_a_crash_between_batches_loses_nothing_and_counts_nothing_twice(session: Session, clean_db: Engine) -> None:
    w = world(session)

    class Crash(RuntimeError):
        pass

    def crash_after_first(batch: BatchReport) -> None:
        if batch.number == 1:
            raise Crash

    with pytest.raises(Crash):
        run(clean_db, batch_size=2, on_batch=crash_after_first)
    # The first batch (the two oldest rows) is committed: in the aggregates and gone from the table.
    assert sum(row[5] for row in daily_rows(clean_db)) == 2
    assert len(sync_log_ids(clean_db)) == len(w["old"]) + len(w["stay"]) - 2

    report = run(clean_db, batch_size=2)
    assert (report.sync_logs_rolled_up, report.batches) == (4, 2)
    assert daily_rows(clean_db) == expected_daily(w)
    assert sync_log_ids(clean_db) == {log.id for log in w["stay"].values()}


def test_a_crash_inside_a_batch_rolls_the_whole_batch_back(
    session: Session, clean_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world(session)

    def fail(*args: Any) -> int:  # runs after the aggregates were written, before the rows are deleted
        raise ConnectionError("server closed the connection")

    monkeypatch.setattr(retention, "_count_results", fail)
    with pytest.raises(ConnectionError):
        run(clean_db)
    assert daily_rows(clean_db) == []
    assert len(sync_log_ids(clean_db)) == len(w["old"]) + len(w["stay"])

    monkeypatch.undo()
    run(clean_db)
    assert daily_rows(clean_db) == expected_daily(w)


def test_each_credentials_latest_completed_failed_and_validated_syncs_stay(session: Session, clean_db: Engine) -> None:
    """The dashboard's last success and last failure, the stale-sync alert and the latest data-quality score
    read these rows: a credential that stopped syncing long ago keeps them."""
    quiet = make_credential(company_name="Quiet")
    older = sync(quiet, OLD - timedelta(days=30))
    last_success = sync(quiet, OLD - timedelta(days=20))
    last_failure = sync(quiet, OLD - timedelta(days=25), "failed")
    older_failure = sync(quiet, OLD - timedelta(days=26), "failed")
    session.add_all([older, last_success, last_failure, older_failure])
    session.flush()
    session.add(make_data_quality_result(older, data_type="customers"))
    session.commit()

    report = run(clean_db)
    assert sync_log_ids(clean_db) == {older.id, last_success.id, last_failure.id}
    assert report.sync_logs_rolled_up == 1
    with clean_db.connect() as conn:
        health = conn.execute(
            sa.text(
                "SELECT last_success_at, last_failure_at FROM servicetitan_dashboard_credential_health"
                " WHERE credential_id = :id"
            ),
            {"id": quiet.id},
        ).one()
    assert health == (last_success.completed_at, last_failure.started_at)


def view_rows(engine: Engine, view: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(sa.text(f"SELECT * FROM {view} ORDER BY 1, 2"))]


@pytest.mark.parametrize("batch_size", [1000, 1])
def test_dashboard_views_show_the_same_figures_after_the_roll_up(
    session: Session, clean_db: Engine, batch_size: int
) -> None:
    w = world(session)
    # More durations on the old day, so that its p95 interpolates between values.
    extra = [sync(w["acme"], OLD + timedelta(hours=6, minutes=i), seconds=s) for i, s in enumerate((3, 99, 61))]
    session.add_all(extra)
    session.commit()
    views = ("servicetitan_dashboard_sync_daily", "servicetitan_dashboard_data_quality")
    before = {view: view_rows(clean_db, view) for view in views}
    old_days = {OLD.date(), OLD.date() + timedelta(days=1), LAST_OLD.date()}
    assert old_days <= {row["day"] for row in before["servicetitan_dashboard_sync_daily"]} | {
        row["day"] for row in before["servicetitan_dashboard_data_quality"]
    }

    report = run(clean_db, batch_size=batch_size)

    assert report.sync_logs_rolled_up == len(w["old"]) + len(extra)
    after = {view: view_rows(clean_db, view) for view in views}
    assert after == before


def test_metric_snapshots_and_resolved_alerts_older_than_their_age_are_deleted(
    session: Session, clean_db: Engine
) -> None:
    credential = make_credential()
    session.add(credential)
    old, recent = NOW - timedelta(days=31), NOW - timedelta(days=29)
    session.add_all(
        ServiceTitanMetricSnapshot(name="servicetitan.sync.count", value=float(i), collected_at=at, tags={})
        for i, at in enumerate([old] * 5 + [recent] * 2)
    )

    def alert(key: str, state: str, resolved_at: datetime | None, pending: str | None = None) -> ServiceTitanAlert:
        return make_alert(
            credential, key, rule="stale_sync", state=state, first_seen_at=NOW - timedelta(days=100),
            last_seen_at=resolved_at or NOW, resolved_at=resolved_at, pending_notification=pending,
        )  # fmt: skip

    session.flush()
    session.add_all(
        [
            alert("resolved_long_ago", "resolved", old),
            alert("resolved_long_ago_not_yet_sent", "resolved", old, pending="resolved"),
            alert("resolved_lately", "resolved", recent),
            alert("firing_for_long", "firing", None),
        ]
    )
    session.commit()

    report = run(clean_db, batch_size=2)

    assert (report.metric_snapshots_deleted, report.resolved_alerts_deleted) == (5, 1)
    with clean_db.connect() as conn:
        collected = conn.execute(sa.text("SELECT collected_at FROM servicetitan_metric_snapshots")).scalars().all()
        keys = set(conn.execute(sa.text("SELECT key FROM servicetitan_alerts")).scalars())
    assert collected == [recent, recent]
    assert keys == {"resolved_long_ago_not_yet_sent", "resolved_lately", "firing_for_long"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"keep_days": 0}, "keep_days must be a whole number of days >= 1"),
        ({"snapshot_keep_days": -1}, "snapshot_keep_days must be"),
        ({"batch_size": 0}, "batch_size must be a positive integer"),
    ],
)
def test_bad_arguments_are_refused_before_any_sql(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        apply_retention(sa.create_engine("postgresql+psycopg://nowhere.invalid/x"), **overrides)


def test_progress_is_logged_per_batch(session: Session, clean_db: Engine, caplog: pytest.LogCaptureFixture) -> None:
    world(session)
    with caplog.at_level("INFO", logger="servicetitan_pipeline.maintenance"):
        run(clean_db, batch_size=4)
    batches = [r.getMessage() for r in caplog.records if r.getMessage().startswith("batch ")]
    assert len(batches) == 2
    assert "batch 1: 4 sync logs started 2026-08-14T10:00:00+00:00" in batches[0]
    assert "rows/s" in batches[0]
    assert "6 sync logs rolled up and deleted" in caplog.records[-1].getMessage()
