"""End to end on real PostgreSQL and the sandbox: what a sync loads, logs and leaves behind."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from servicetitan_pipeline.db.engine import psycopg_conninfo
from servicetitan_pipeline.db.enums import ConnectionStatus
from servicetitan_pipeline.servicetitan.client import ClientSettings
from servicetitan_pipeline.servicetitan.errors import BadCredentialsError, MissingPermissionError, TransientError
from servicetitan_pipeline.servicetitan.hook import ServiceTitanHook
from servicetitan_pipeline.servicetitan.retry import RetryPolicy
from servicetitan_pipeline.sync.locks import SyncLocks
from servicetitan_pipeline.sync.runner import OverlappingSyncError
from tests.sync_world import SyncWorld, tenant

World = Callable[..., SyncWorld]


def table_fingerprint(world: SyncWorld, tenant_id: int) -> tuple[object, ...]:
    """Every synced row and when it was written: equal fingerprints mean nothing changed."""
    with world.engine.connect() as conn:
        return tuple(
            conn.execute(
                sa.text(
                    f"SELECT count(*), md5(string_agg(id::text || raw::text || synced_at::text, ',' ORDER BY id))"
                    f" FROM {table} WHERE credential_id = :id"
                ),
                {"id": world.credentials[tenant_id].id},
            ).one()
            for table in ("servicetitan_customers", "servicetitan_invoices")
        )


def test_counts_equal_the_sandbox(make_world: World) -> None:
    world = make_world(tenant(1001))
    outcome = world.sync(1001)
    expected = world.summary(1001)
    assert world.count("servicetitan_customers", 1001) == expected["customers"]
    assert world.count("servicetitan_invoices", 1001) == expected["invoices"]
    (row,) = world.logs(1001)
    assert row.status == "completed"
    assert row.sync_type == "scheduled"
    assert row.data_type == "both"
    assert row.records_processed == expected["customers"] + expected["invoices"] == outcome.processed
    assert row.records_successful == row.records_processed
    assert row.records_failed == 0
    assert row.error_message is None
    assert row.completed_at >= row.started_at
    assert row.processing_time_seconds is not None
    credential = world.credential(1001)
    assert credential.connection_status is ConnectionStatus.CONNECTED
    assert credential.last_connected_at is not None
    assert credential.token_expires_at is not None
    assert credential.token_expires_at > datetime.now(UTC)
    assert credential.last_error is None


def test_typed_columns_hold_what_users_query(make_world: World) -> None:
    world = make_world(tenant(1001))
    world.sync(1001)
    with world.engine.connect() as conn:
        mismatched = conn.execute(
            sa.text(
                "SELECT count(*) FROM servicetitan_invoices WHERE total <> (raw->>'total')::numeric"
                " OR customer_id <> (raw->'customer'->>'id')::bigint OR id <> (raw->>'id')::bigint"
            )
        ).scalar_one()
        orphans = conn.execute(
            sa.text(
                "SELECT count(*) FROM servicetitan_invoices i LEFT JOIN servicetitan_customers c"
                " ON c.credential_id = i.credential_id AND c.id = i.customer_id WHERE c.id IS NULL"
            )
        ).scalar_one()
        inactive = conn.execute(sa.text("SELECT count(*) FROM servicetitan_customers WHERE NOT active")).scalar_one()
    assert mismatched == 0
    assert orphans == 0  # invoices reference customers that were loaded
    assert inactive == world.summary(1001)["customers"] - world.summary(1001)["active_customers"]


def test_a_rerun_changes_nothing(make_world: World) -> None:
    world = make_world(tenant(1001))
    world.sync(1001)
    before = table_fingerprint(world, 1001)
    again = world.sync(1001)
    assert table_fingerprint(world, 1001) == before
    assert again.processed == 0  # resumed from the stored position: nothing new
    refreshed = world.sync(1001, full_refresh=True)
    assert refreshed.processed == world.summary(1001)["customers"] + world.summary(1001)["invoices"]
    assert refreshed.changed == 0
    assert table_fingerprint(world, 1001) == before
    assert [row.status for row in world.logs(1001)] == ["completed"] * 3


def test_incremental_run_loads_only_what_changed(make_world: World) -> None:
    world = make_world(tenant(1001))
    world.sync(1001)
    world.advance(1001, new_invoices=6, modified_invoices=4, new_customers=2, modified_customers=3)
    outcome = world.sync(1001)
    assert outcome.processed == 6 + 4 + 2 + 3
    assert outcome.changed == 15
    expected = world.summary(1001)
    assert world.count("servicetitan_invoices", 1001) == expected["invoices"]
    assert world.count("servicetitan_customers", 1001) == expected["customers"]


def test_bad_records_are_counted_described_and_skipped(make_world: World) -> None:
    world = make_world(tenant(1002, faults={"bad_record_rate": 0.05}))
    outcome = world.sync(1002, "invoices")
    bad = world.summary(1002)["bad_records"]["invoices"]
    assert bad["count"] > 0
    (row,) = world.logs(1002)
    assert row.status == "completed"
    assert row.records_failed == bad["count"]
    assert row.records_successful == row.records_processed - bad["count"]
    assert world.count("servicetitan_invoices", 1002) == world.summary(1002)["invoices"] - bad["count"]
    sample = row.error_details["failed_records"]
    assert {r["id"] for r in sample if isinstance(r["id"], int)} <= set(bad["ids"])
    assert all(r["problems"] for r in sample)
    assert row.error_details["failed_records_total"] == bad["count"]
    assert outcome.failed == bad["count"]


def test_invalid_credentials_fail_with_a_row_and_credential_error(make_world: World) -> None:
    world = make_world(tenant(1003, faults={"invalid_credentials": True}))
    with pytest.raises(BadCredentialsError):
        world.sync(1003)
    (row,) = world.logs(1003)
    assert row.status == "failed"
    assert "invalid_client" in row.error_message
    assert row.error_details["exception"] == "BadCredentialsError"
    assert row.error_details["endpoint"] == "/connect/token"
    assert row.completed_at is not None
    credential = world.credential(1003)
    assert credential.connection_status is ConnectionStatus.ERROR
    assert "invalid_client" in (credential.last_error or "")
    for text in (row.error_message, str(row.error_details), credential.last_error or ""):
        assert "secret-1003" not in text
        assert "sync-test-app-key" not in text


def test_revoked_app_key(make_world: World) -> None:
    world = make_world(tenant(1004, faults={"revoked_app_key": True}))
    with pytest.raises(MissingPermissionError):
        world.sync(1004)
    (row,) = world.logs(1004)
    assert row.status == "failed"
    assert row.error_details["http_status"] == 403
    assert row.error_details["trace_id"]
    assert world.credential(1004).connection_status is ConnectionStatus.ERROR


def test_server_errors_fail_after_retries_and_keep_what_loaded(make_world: World) -> None:
    world = make_world(tenant(1005, faults={"error_rate": 1.0}))
    with pytest.raises(TransientError):
        world.sync(1005)
    (row,) = world.logs(1005)
    assert row.status == "failed"
    assert row.error_details["http_status"] in (500, 503)
    assert row.error_details["resource"] == "customers"
    # A transient failure is not a credential problem.
    assert world.credential(1005).connection_status is ConnectionStatus.PENDING
    assert world.credential(1005).last_error == row.error_message


def test_timeouts_and_dropped_connections_are_retried_and_the_sync_completes(make_world: World) -> None:
    world = make_world(
        tenant(1007, faults={"timeout_rate": 0.1, "timeout_seconds": 2, "drop_rate": 0.1}), export_page_size=50
    )
    patient = ClientSettings(
        retry=RetryPolicy(max_attempts=8, base_delay=0.01, max_delay=0.05), read_timeout_seconds=0.5
    )

    def make_client(credential: Any, on_call: Any) -> Any:
        return ServiceTitanHook(credential.airflow_conn_id, settings=patient, on_call=on_call).client

    world.sync(1007, make_client=make_client)
    (row,) = world.logs(1007)
    assert row.status == "completed"
    assert world.count("servicetitan_invoices", 1007) == world.summary(1007)["invoices"]
    errors = [m for m in world.metrics.sent if m[1] == "servicetitan.api.errors"]
    assert errors  # the faults happened, and were retried


def test_overlapping_sync_is_refused(make_world: World) -> None:
    world = make_world(tenant(1001))
    conninfo = psycopg_conninfo(world.engine)
    with psycopg.connect(conninfo, autocommit=True) as other_worker:
        assert SyncLocks(other_worker).try_acquire(world.credentials[1001].id, ["invoices"]) == []
        with pytest.raises(OverlappingSyncError, match=r"another sync of invoices .* is running"):
            world.sync(1001, "both", sync_type="manual")
        # A customers-only sync does not overlap and runs.
        world.sync(1001, "customers")
    refused, ran = world.logs(1001)
    assert refused.status == "failed"
    assert refused.sync_type == "manual"
    assert "did nothing" in refused.error_message
    assert ran.status == "completed"
    assert world.count("servicetitan_invoices", 1001) == 0


def test_a_row_left_running_by_a_dead_worker_is_closed_at_the_next_start(make_world: World) -> None:
    world = make_world(tenant(1001))
    stale_id = uuid.uuid4()
    with world.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO servicetitan_sync_logs (id, credential_id, sync_type, data_type, status, started_at)"
                " VALUES (:id, :credential, 'scheduled', 'invoices', 'running', :started)"
            ),
            {
                "id": stale_id,
                "credential": world.credentials[1001].id,
                "started": datetime.now(UTC) - timedelta(hours=2),
            },
        )
    outcome = world.sync(1001, "invoices")
    assert outcome.abandoned_rows_closed == 1
    stale, current = world.logs(1001)
    assert stale.id == stale_id
    assert stale.status == "failed"
    assert "stopped before finishing" in stale.error_message
    assert stale.error_details["exception"] == "WorkerLost"
    assert stale.processing_time_seconds >= 7100
    assert current.status == "completed"


def test_metrics_are_emitted_with_st021_names(make_world: World) -> None:
    world = make_world(tenant(1001))
    world.sync(1001, "customers")
    assert {
        "servicetitan.sync.started",
        "servicetitan.sync.completed",
        "servicetitan.sync.duration",
        "servicetitan.sync.records_processed",
        "servicetitan.sync.records_successful",
        "servicetitan.sync.records_failed",
        "servicetitan.sync.success_rate",
        "servicetitan.api.requests",
        "servicetitan.api.response_time",
        "servicetitan.credentials.status",
        "servicetitan.credentials.token_expiry_seconds",
    } <= world.metrics.names()
    completed = [m for m in world.metrics.sent if m[1] == "servicetitan.sync.completed"]
    assert completed[0][3] == {
        "company": "Company 1001",
        "environment": "integration",
        "data_type": "customers",
        "status": "completed",
    }
    processed = sum(m[2] for m in world.metrics.sent if m[1] == "servicetitan.sync.records_processed")
    assert processed == world.summary(1001)["customers"]


def test_api_errors_are_counted(make_world: World) -> None:
    world = make_world(tenant(1006, faults={"error_rate": 0.3}), export_page_size=20)
    with contextlib.suppress(TransientError):  # three attempts may not be enough; the errors count either way
        world.sync(1006, "customers")
    errors = [m for m in world.metrics.sent if m[1] == "servicetitan.api.errors"]
    assert errors
    assert all(m[3]["error"] == "TransientError" for m in errors)


def test_api_figures_are_kept_for_the_dashboard(make_world: World) -> None:
    world = make_world(tenant(1001))
    world.sync(1001, "customers")
    requests = [m for m in world.metrics.sent if m[1] == "servicetitan.api.requests"]
    with world.engine.connect() as conn:
        snapshots = dict(conn.execute(sa.text("SELECT name, value FROM servicetitan_metric_snapshots")).tuples().all())
        hourly = conn.execute(
            sa.text("SELECT requests, avg_response_time_ms FROM servicetitan_dashboard_api_performance")
        ).one()
    assert snapshots["servicetitan.api.requests"] == len(requests) > 0
    assert snapshots["servicetitan.api.response_time_ms"] > 0
    assert hourly.requests == len(requests)
    assert hourly.avg_response_time_ms == pytest.approx(snapshots["servicetitan.api.response_time_ms"])


def test_the_row_names_the_airflow_task_that_ran_it(make_world: World) -> None:
    # The tenant page and the health page link a sync to this task's log: recorded, never guessed.
    from servicetitan_pipeline.sync.runner import run_sync
    from servicetitan_pipeline.sync.sync_log import AirflowTaskRef
    from tests.sync_world import fast_client

    world = make_world(tenant(1001))
    run_sync(
        world.target(1001, "both"),
        engine=world.engine,
        make_client=fast_client,
        metrics_backend=world.metrics,
        airflow_task=AirflowTaskRef("manual__2026-12-03T12:00:00+00:00", 3),
    )
    world.sync(1001)  # outside a DAG run: no task to name
    with world.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT airflow_run_id, airflow_map_index FROM servicetitan_sync_logs ORDER BY started_at")
        ).all()
    assert [tuple(row) for row in rows] == [("manual__2026-12-03T12:00:00+00:00", 3), (None, None)]
