"""Migrations run up and down on an empty database and build exactly the schema the models describe."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from servicetitan_pipeline.db import migrate
from servicetitan_pipeline.db.models import Base

SCHEMA_QUERIES = {
    "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default"
    " FROM information_schema.columns WHERE table_schema = current_schema() AND table_name IN"
    " (SELECT table_name FROM information_schema.tables"
    " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')",  # views: see test_dashboard_views
    "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE connamespace = current_schema()::regnamespace",
    "indexes": "SELECT tablename, indexname, replace(indexdef, schemaname || '.', '') FROM pg_indexes"
    " WHERE schemaname = current_schema()",
}


def _schema_engine(engine: Engine, schema: str) -> Engine:
    """An engine whose sessions see only ``schema``: an empty database of its own, without CREATEDB rights."""
    return sa.create_engine(engine.url, connect_args={"options": f"-csearch_path={schema}"})


@pytest.fixture
def empty_schema(engine: Engine) -> Iterator[Engine]:
    schema = f"migration_test_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    scoped = _schema_engine(engine, schema)
    yield scoped
    scoped.dispose()
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


def _snapshot(engine: Engine) -> dict[str, set[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            name: {tuple(row) for row in conn.execute(sa.text(query)) if "alembic" not in str(row[0])}
            for name, query in SCHEMA_QUERIES.items()
        }


def _tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def test_upgrade_then_downgrade_on_an_empty_database(empty_schema: Engine) -> None:
    assert _tables(empty_schema) == set()
    migrate.upgrade(empty_schema)
    assert migrate.current_revision(empty_schema) == migrate.head_revision()
    assert _tables(empty_schema) == {*Base.metadata.tables, migrate.VERSION_TABLE}
    migrate.downgrade(empty_schema, "base")
    assert migrate.current_revision(empty_schema) is None
    assert _tables(empty_schema) == {migrate.VERSION_TABLE}
    # And up again: a downgrade leaves nothing behind that blocks the next upgrade.
    migrate.upgrade(empty_schema)
    assert migrate.is_up_to_date(empty_schema)


DASHBOARD_VIEWS = {
    "servicetitan_dashboard_sync_daily",
    "servicetitan_dashboard_credential_health",
    "servicetitan_dashboard_api_performance",
    "servicetitan_dashboard_data_quality",
}


def _views(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(sa.inspect(conn).get_view_names())


def test_dashboard_views_created_by_0004_and_dropped_by_its_downgrade(empty_schema: Engine) -> None:
    migrate.upgrade(empty_schema)
    assert _views(empty_schema) == DASHBOARD_VIEWS
    migrate.downgrade(empty_schema, "0003")
    assert _views(empty_schema) == set()
    assert "servicetitan_metric_snapshots" in _tables(empty_schema)


def _view_definition(engine: Engine, view: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.text("SELECT pg_get_viewdef(CAST(:v AS regclass))"), {"v": view}).scalar_one())


def test_0006_adds_the_daily_aggregates_to_two_views_and_its_downgrade_restores_them(empty_schema: Engine) -> None:
    migrate.upgrade(empty_schema, "0005")
    before = {view: _view_definition(empty_schema, view) for view in DASHBOARD_VIEWS}
    migrate.upgrade(empty_schema, "0006")
    assert {"servicetitan_sync_log_daily", "servicetitan_data_quality_daily"} <= _tables(empty_schema)
    after = {view: _view_definition(empty_schema, view) for view in DASHBOARD_VIEWS}
    changed = {view for view in DASHBOARD_VIEWS if after[view] != before[view]}
    assert changed == {"servicetitan_dashboard_sync_daily", "servicetitan_dashboard_data_quality"}
    for view in changed:
        assert "servicetitan_sync_log_daily" in after[view]
    migrate.downgrade(empty_schema, "0005")
    assert {view: _view_definition(empty_schema, view) for view in DASHBOARD_VIEWS} == before
    assert "servicetitan_sync_log_daily" not in _tables(empty_schema)


# Credential 1: successes and failures, 2: failures only, 3: a running row only, 4: nothing.
SUMMARY_FIXTURE = (
    "INSERT INTO servicetitan_credentials (id, company_id, company_name, environment, tenant_id, airflow_conn_id)"
    " SELECT ('00000000-0000-4000-c000-00000000000' || c)::uuid, gen_random_uuid(), 'Co ' || c, 'integration', c,"
    " 'conn_' || c FROM generate_series(1, 4) AS c",
    "INSERT INTO servicetitan_sync_logs (id, credential_id, sync_type, data_type, status, started_at, completed_at)"
    " SELECT gen_random_uuid(), ('00000000-0000-4000-c000-00000000000' || c)::uuid, 'scheduled', 'both', status,"
    " timestamptz '2026-11-01 00:00Z' + g * interval '1 hour', CASE WHEN status <> 'running' THEN"
    " timestamptz '2026-11-01 00:00Z' + g * interval '1 hour' + (20 - g) * interval '1 minute' END"
    " FROM (VALUES (1, 'completed'), (1, 'failed'), (2, 'failed'), (3, 'running')) AS k (c, status),"
    " generate_series(1, 5) AS g",
)
SUMMARY_OF_THE_LOG = (
    "SELECT c.company_name,"
    " (SELECT max(completed_at) FROM servicetitan_sync_logs WHERE credential_id = c.id AND status = 'completed'),"
    " (SELECT max(started_at) FROM servicetitan_sync_logs WHERE credential_id = c.id AND status = 'failed')"
    " FROM servicetitan_credentials c ORDER BY 1"
)
CREDENTIAL_HEALTH = "SELECT * FROM servicetitan_dashboard_credential_health ORDER BY company_name"


def _summary_objects(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            "functions": conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_proc WHERE pronamespace = current_schema()::regnamespace"
                    " AND proname LIKE 'servicetitan_%'"
                )
            ).scalar_one(),
            "triggers": conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal"
                    " AND tgrelid = CAST('servicetitan_sync_logs' AS regclass)"
                )
            ).scalar_one(),
        }


def test_0008_backfills_the_summary_the_view_reads_and_its_downgrade_restores_0007(empty_schema: Engine) -> None:
    migrate.upgrade(empty_schema, "0007")
    view_before = _view_definition(empty_schema, "servicetitan_dashboard_credential_health")
    with empty_schema.begin() as conn:
        for statement in SUMMARY_FIXTURE:
            conn.execute(sa.text(statement))
    with empty_schema.connect() as conn:
        health_from_the_log = conn.execute(sa.text(CREDENTIAL_HEALTH)).all()

    migrate.upgrade(empty_schema, "0008")
    with empty_schema.connect() as conn:
        summary = conn.execute(
            sa.text(
                "SELECT c.company_name, s.last_success_at, s.last_failure_at"
                " FROM servicetitan_credentials c LEFT JOIN servicetitan_credential_sync_summary s"
                " ON s.credential_id = c.id ORDER BY 1"
            )
        ).all()
        assert summary == conn.execute(sa.text(SUMMARY_OF_THE_LOG)).all()
        assert [tuple(row[1:]) for row in summary] == [
            (datetime(2026, 11, 1, 5, 15, tzinfo=UTC), datetime(2026, 11, 1, 5, 0, tzinfo=UTC)),
            (None, datetime(2026, 11, 1, 5, 0, tzinfo=UTC)),
            (None, None),
            (None, None),
        ]
        # The view reads the summary now, and shows what it showed from the log (secret_days_left: no secret).
        assert conn.execute(sa.text(CREDENTIAL_HEALTH)).all() == health_from_the_log
    assert _summary_objects(empty_schema) == {"functions": 4, "triggers": 3}

    migrate.downgrade(empty_schema, "0007")
    assert _view_definition(empty_schema, "servicetitan_dashboard_credential_health") == view_before
    assert "servicetitan_credential_sync_summary" not in _tables(empty_schema)
    assert _summary_objects(empty_schema) == {"functions": 0, "triggers": 0}


def test_upgrade_is_idempotent(empty_schema: Engine) -> None:
    migrate.upgrade(empty_schema)
    before = _snapshot(empty_schema)
    migrate.upgrade(empty_schema)
    assert _snapshot(empty_schema) == before


def test_migrations_build_exactly_the_models_schema(engine: Engine, empty_schema: Engine) -> None:
    migrate.upgrade(empty_schema)
    with empty_schema.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": migrate.VERSION_TABLE, "compare_type": True})
        assert compare_metadata(context, Base.metadata) == []

    # Constraint and index definitions too (autogenerate does not compare CHECKs or partial indexes).
    schema = f"models_test_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    from_models = _schema_engine(engine, schema)
    try:
        Base.metadata.create_all(from_models)
        assert _snapshot(from_models) == _snapshot(empty_schema)
    finally:
        from_models.dispose()
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


def test_own_version_table_not_airflows(empty_schema: Engine) -> None:
    migrate.upgrade(empty_schema)
    assert "alembic_version" not in _tables(empty_schema)
    with empty_schema.connect() as conn:
        version = conn.execute(sa.text(f"SELECT version_num FROM {migrate.VERSION_TABLE}")).scalar_one()
    assert version == migrate.head_revision()


def test_monitoring_indexes_exist(engine: Engine) -> None:
    with engine.connect() as conn:
        indexes = {
            row.indexname: row.indexdef
            for row in conn.execute(
                sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t"),
                {"t": "servicetitan_sync_logs"},
            )
        }
    assert "WHERE ((status)::text = 'failed'::text)" in indexes["ix_servicetitan_sync_logs_recent_failures"]
    assert "WHERE ((status)::text = 'completed'::text)" in indexes["ix_servicetitan_sync_logs_last_success"]
    assert "WHERE ((status)::text = 'running'::text)" in indexes["ix_servicetitan_sync_logs_running"]


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (
            "SELECT credential_id, count(*) FROM servicetitan_sync_logs"
            " WHERE status = 'failed' AND started_at >= now() - interval '1 hour' GROUP BY credential_id",
            "ix_servicetitan_sync_logs_recent_failures",
        ),
        (
            "SELECT c.id, last.completed_at FROM servicetitan_credentials c CROSS JOIN LATERAL ("
            " SELECT completed_at FROM servicetitan_sync_logs s WHERE s.credential_id = c.id"
            " AND s.status = 'completed' ORDER BY completed_at DESC LIMIT 1) last",
            "ix_servicetitan_sync_logs_last_success",
        ),
        (
            "SELECT id FROM servicetitan_sync_logs WHERE status = 'running'"
            " AND started_at < now() - interval '2 hours'",
            "ix_servicetitan_sync_logs_running",
        ),
    ],
)
def test_monitoring_queries_use_their_index(clean_db: Engine, query: str, index: str) -> None:
    with clean_db.begin() as conn:
        # A realistic shape: many credentials, mostly completed syncs, a few failures and running rows.
        conn.execute(
            sa.text(
                "INSERT INTO servicetitan_credentials (id, company_id, company_name, environment, tenant_id,"
                " airflow_conn_id) SELECT gen_random_uuid(), gen_random_uuid(), 'Co ' || g, 'integration', g,"
                " 'conn_' || g FROM generate_series(1, 50) g"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO servicetitan_sync_logs (id, credential_id, sync_type, data_type, status, started_at,"
                " completed_at) SELECT gen_random_uuid(), c.id, 'scheduled', 'both',"
                " CASE WHEN g % 50 = 0 THEN 'failed' WHEN g % 997 = 0 THEN 'running' ELSE 'completed' END,"
                " now() - g * interval '1 minute',"
                " CASE WHEN g % 997 = 0 AND g % 50 <> 0 THEN NULL ELSE now() - g * interval '1 minute' END"
                " FROM servicetitan_credentials c, generate_series(1, 400) g"
            )
        )
        conn.execute(sa.text("ANALYZE servicetitan_sync_logs"))
        conn.execute(sa.text("ANALYZE servicetitan_credentials"))
        plan = "\n".join(row[0] for row in conn.execute(sa.text(f"EXPLAIN {query}")))
    assert index in plan
