"""The monitoring-queries benchmark at tiny sizes: it fills both databases and times every check (no timing
is asserted: speed is reported, never tested)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from benchmarks import monitoring_queries
from servicetitan_pipeline.db.engine import psycopg_conninfo


def test_times_every_check_on_both_sync_logs(clean_db: Engine) -> None:
    result = monitoring_queries.run(
        1_000, small=100, credentials=30, repeats=1, engine=clean_db, keep_large_database=False
    )

    assert (result["small_rows"], result["large_rows"]) == (100, 1_000)
    assert set(result["checks"]) == set(monitoring_queries.checks())
    assert {"rule repeated_failures", "rule stale_sync", "rule api_unreachable"} <= set(result["checks"])
    assert {"rule volume_anomaly", "rule daily_volume_anomaly", "rule schema_drift"} <= set(result["checks"])
    for figures in result["checks"].values():
        assert figures["small_ms"] > 0
        assert figures["large_ms"] > 0
    assert len(result["rows"]) == len(result["checks"]) + 2
    assert result["fill_seconds"] is not None
    with clean_db.connect() as conn:
        left = conn.execute(sa.text("SELECT count(*) FROM pg_database WHERE datname LIKE '%monitoring_1000'"))
        assert left.scalar_one() == 0  # the large database was dropped


def test_the_generated_data_gives_each_check_something_to_find(clean_db: Engine) -> None:
    import psycopg

    from servicetitan_pipeline.alerts.rules import repeated_failures, stale_syncs
    from servicetitan_pipeline.alerts.settings import AlertSettings

    sizes = monitoring_queries.Sizes(credentials=30, base=200, large=200)
    monitoring_queries._fill_base(clean_db, sizes)
    with psycopg.connect(psycopg_conninfo(clean_db), autocommit=True) as conn:
        assert len(repeated_failures(conn, AlertSettings()).conditions) >= 2
        assert len(stale_syncs(conn, AlertSettings()).conditions) >= 1
        running = conn.execute("SELECT count(*) FROM servicetitan_sync_logs WHERE status = 'running'").fetchone()
        assert running is not None
        assert running[0] >= 1


def test_the_large_sync_log_bypasses_the_triggers_but_its_summaries_match_it(clean_db: Engine) -> None:
    """The history is bulk-loaded with triggers off; the fill recomputes the credentials' sync summaries."""
    monitoring_queries.run(1_000, small=100, credentials=30, repeats=1, engine=clean_db, keep_large_database=True)
    large = monitoring_queries._large_engine(clean_db, 1_000)
    try:
        with large.connect() as conn:
            mismatches = conn.execute(
                sa.text(
                    "SELECT count(*) FROM servicetitan_credentials c"
                    " LEFT JOIN servicetitan_credential_sync_summary s ON s.credential_id = c.id"
                    " WHERE s.last_success_at IS DISTINCT FROM (SELECT max(completed_at) FROM servicetitan_sync_logs"
                    "   WHERE credential_id = c.id AND status = 'completed')"
                    " OR s.last_failure_at IS DISTINCT FROM (SELECT max(started_at) FROM servicetitan_sync_logs"
                    "   WHERE credential_id = c.id AND status = 'failed')"
                )
            ).scalar_one()
            history = conn.execute(
                sa.text(
                    "SELECT count(*) FROM servicetitan_credential_sync_summary s JOIN servicetitan_sync_logs l"
                    " ON l.id IN (s.last_success_log_id, s.last_failure_log_id)"
                    " WHERE l.id::text LIKE '00000000-0000-4000-b000-%'"
                )
            ).scalar_one()
        assert mismatches == 0
        assert history > 0  # some latest syncs are history rows, written with the triggers off
    finally:
        monitoring_queries._drop_database(clean_db, large)
