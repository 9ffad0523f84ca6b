"""A worker killed in the middle of a sync: the next run finishes the job, losing and duplicating nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import psycopg
import sqlalchemy as sa

from servicetitan_pipeline.alerts.sweep import close_overdue_syncs
from tests.sync_world import SyncWorld, tenant

WORKER = (
    "import json, sys\n"
    "from servicetitan_pipeline.sync.runner import run_sync\n"
    "from servicetitan_pipeline.sync.targets import SyncTarget\n"
    "run_sync(SyncTarget(**json.loads(sys.argv[1])))\n"
)


def checkpoints(world: SyncWorld, tenant_id: int) -> int:
    with world.engine.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT count(*) FROM servicetitan_sync_checkpoints WHERE credential_id = :id"),
                {"id": world.credentials[tenant_id].id},
            ).scalar_one()
        )


def kill_mid_sync(world: SyncWorld, tenant_id: int, data_type: str, loaded_at_least: int) -> int:
    """Run a sync in a worker process and SIGKILL it once ``loaded_at_least`` rows are committed; returns the
    rows its committed pages loaded."""
    target = world.target(tenant_id, data_type)
    worker = subprocess.Popen([sys.executable, "-c", WORKER, json.dumps(target.to_xcom())], env=dict(os.environ))
    try:
        deadline = time.monotonic() + 60
        while world.count("servicetitan_invoices", tenant_id) < loaded_at_least and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker ended before it could be killed"
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(10)
    return world.count("servicetitan_invoices", tenant_id)


def test_kill_and_rerun_loses_and_duplicates_nothing(make_world: Callable[..., SyncWorld]) -> None:
    # Slow pages (120 ms each, 20 records) so the kill lands in the middle of the invoices.
    world = make_world(tenant(1001, invoices=400, faults={"latency_ms": 120}), export_page_size=20)
    loaded_before_kill = kill_mid_sync(world, 1001, "invoices", loaded_at_least=100)
    assert 0 < loaded_before_kill < 400
    assert checkpoints(world, 1001) == 1
    (abandoned,) = world.logs(1001)
    assert abandoned.status == "running"  # what a crashed worker leaves behind ...
    # ... showing what it committed: the counts move with every committed page.
    assert abandoned.records_processed == abandoned.records_successful == loaded_before_kill

    outcome = world.sync(1001, "invoices")

    assert world.count("servicetitan_invoices", 1001) == world.summary(1001)["invoices"] == 400
    # Resumed from the last committed page, not from the start.
    assert outcome.processed == 400 - loaded_before_kill
    assert outcome.abandoned_rows_closed == 1
    closed, finished = world.logs(1001)
    assert closed.id == abandoned.id
    assert closed.status == "failed"
    assert closed.records_processed == closed.records_successful == loaded_before_kill
    assert closed.records_failed == 0
    assert closed.error_message == (
        "the worker running this sync stopped before finishing (crashed or killed); it had committed "
        f"{loaded_before_kill} records ({loaded_before_kill} loaded, 0 bad), which stay loaded: the next sync "
        "resumes after them. Closed when the next sync of this credential started"
    )
    assert finished.status == "completed"
    assert finished.records_processed == outcome.processed


def test_the_sweep_closes_a_killed_sync_with_what_it_committed(make_world: Callable[..., SyncWorld]) -> None:
    # Bad records among the committed pages: counted as processed and failed, never loaded.
    world = make_world(
        tenant(1001, invoices=400, faults={"latency_ms": 120, "bad_record_rate": 0.1}), export_page_size=20
    )
    loaded_before_kill = kill_mid_sync(world, 1001, "invoices", loaded_at_least=100)
    with world.engine.connect() as conn:
        ledger = conn.execute(sa.text("SELECT count(*) FROM servicetitan_sync_loaded_records")).scalar_one()
    assert ledger == loaded_before_kill  # every committed record, as the ledger of its attempt knows them

    conninfo = world.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        (closed_id,) = close_overdue_syncs(conn, timeout_minutes=0)

    (closed,) = world.logs(1001)
    assert closed.id == closed_id
    assert closed.status == "failed"
    assert closed.error_details == {"exception": "WorkerLost", "closed_by": "servicetitan_monitor_sync_failures"}
    assert closed.records_successful == loaded_before_kill
    assert closed.records_failed > 0
    # Whole pages of 20 committed, good and bad records alike.
    assert closed.records_processed == closed.records_successful + closed.records_failed
    assert closed.records_processed % 20 == 0
    assert closed.error_message == (
        "no worker has been running this sync for over 0 minutes (crashed or killed); it had committed "
        f"{closed.records_processed} records ({loaded_before_kill} loaded, {closed.records_failed} bad), which "
        "stay loaded: the next sync resumes after them. Closed by the sync-failure monitor"
    )
