"""A worker killed in the middle of a sync: the next run finishes the job, losing and duplicating nothing."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from servicetitan_pipeline.alerts.sweep import close_overdue_syncs
from servicetitan_pipeline.db.engine import psycopg_conninfo
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


def test_kill_and_rerun_loses_and_duplicates_nothing(
    make_world: Callable[..., SyncWorld], caplog: pytest.LogCaptureFixture
) -> None:
    # Slow pages (120 ms each, 20 records) so the kill lands in the middle of the invoices.
    world = make_world(tenant(1001, invoices=400, faults={"latency_ms": 120}), export_page_size=20)
    loaded_before_kill = kill_mid_sync(world, 1001, "invoices", loaded_at_least=100)
    assert 0 < loaded_before_kill < 400
    assert checkpoints(world, 1001) == 1
    (abandoned,) = world.logs(1001)
    assert abandoned.status == "running"  # what a crashed worker leaves behind ...
    # ... showing what it committed: the counts move with every committed page.
    assert abandoned.records_processed == abandoned.records_successful == loaded_before_kill

    with caplog.at_level("WARNING", logger="servicetitan_pipeline.sync"):
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
    # The task log says so too.
    assert (
        f"was left 'running' by a stopped worker: closed as failed with the {loaded_before_kill} records it had "
        f"committed ({loaded_before_kill} loaded, 0 bad)" in caplog.text
    )


def test_the_sweep_closes_a_killed_sync_with_what_it_committed(
    make_world: Callable[..., SyncWorld], caplog: pytest.LogCaptureFixture
) -> None:
    # Bad records among the committed pages: counted as processed and failed, never loaded.
    world = make_world(
        tenant(1001, invoices=400, faults={"latency_ms": 120, "bad_record_rate": 0.1}), export_page_size=20
    )
    loaded_before_kill = kill_mid_sync(world, 1001, "invoices", loaded_at_least=100)
    with world.engine.connect() as conn:
        ledger = conn.execute(sa.text("SELECT count(*) FROM servicetitan_sync_loaded_records")).scalar_one()
    assert ledger == loaded_before_kill  # every committed record, as the ledger of its attempt knows them

    conninfo = psycopg_conninfo(world.engine)
    with psycopg.connect(conninfo, autocommit=True) as conn, caplog.at_level("WARNING", "servicetitan_pipeline.alerts"):
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
    assert (
        f"its worker is gone; it had committed {closed.records_processed} records ({loaded_before_kill} loaded, "
        f"{closed.records_failed} bad)" in caplog.text
    )


def _task_process(ti_id: str) -> int | None:
    """The pid of the process running task instance ``ti_id`` (Airflow titles it ``airflow worker -- <id>``)."""
    title = f"airflow worker -- {ti_id}".encode()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if cmdline.read_bytes().startswith(title):
                return int(cmdline.parent.name)
    return None


@pytest.mark.slow
def test_a_sync_task_killed_under_the_scheduler_is_closed_with_its_counts_and_its_retry_resumes(
    make_world: Callable[..., SyncWorld], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.models import Pool

    from benchmarks.celery_scale_out import (
        DAG_ID,
        POOL,
        Stack,
        airflow_cli,
        free_port,
        query_metadata,
        start_airflow,
        trigger,
        wait_for_run,
    )

    invoices = 2000
    # 100 records a page, 150 ms each: the sync takes seconds, so the kill lands after its first pages.
    world = make_world(tenant(1001, invoices=invoices, faults={"latency_ms": 150}), export_page_size=100)
    api_port = free_port()
    for name, value in {
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        # The retry at once instead of after the DAG's 2 minutes: Airflow's cap on every task's retry delay.
        "AIRFLOW__CORE__MAX_TASK_RETRY_DELAY": "1",
        "SERVICETITAN_SYNC_SCHEDULE": "@yearly",  # only the run triggered here
    }.items():
        monkeypatch.setenv(name, value)
    Pool.create_or_update_pool(POOL, slots=4, description="crash test", include_deferred=False)
    stack = Stack(tmp_path, dict(os.environ))
    run_id = f"killed_worker_{uuid.uuid4().hex[:8]}"
    try:
        start_airflow(stack, api_port, startup_timeout=120, say=print)
        airflow_cli("dags", "unpause", DAG_ID)
        trigger(run_id, json.dumps({"credential": "integration:1001", "data_type": "invoices"}))
        deadline = time.monotonic() + 90
        pid = None
        while pid is None or world.count("servicetitan_invoices", 1001) == 0:
            assert time.monotonic() < deadline, f"the sync task never ran; see {tmp_path}"
            time.sleep(0.05)
            if pid is None:
                ti = query_metadata(
                    "SELECT id FROM task_instance WHERE dag_id = :d AND run_id = :r AND task_id = 'sync'",
                    {"d": DAG_ID, "r": run_id},
                )
                pid = _task_process(str(ti[0].id)) if ti else None
        os.kill(pid, signal.SIGKILL)
        loaded_before_kill = world.count("servicetitan_invoices", 1001)
        assert 0 < loaded_before_kill < invoices, "the kill must land in the middle of the sync"

        assert wait_for_run(run_id, 90, stack) == "success"
        (sync_ti,) = query_metadata(
            "SELECT state, try_number FROM task_instance WHERE dag_id = :d AND run_id = :r AND task_id = 'sync'",
            {"d": DAG_ID, "r": run_id},
        )
    finally:
        stack.stop()
    assert (sync_ti.state, sync_ti.try_number) == ("success", 2)  # Airflow retried the killed task

    killed, resumed = world.logs(1001)
    with world.engine.connect() as conn:
        # Each attempt's ledger of loaded records, as the run's data-quality validation counted it (and then
        # cleared it).
        ledger = dict(
            conn.execute(sa.text("SELECT sync_log_id, total_records FROM servicetitan_data_quality_results")).all()
        )
        ids = conn.execute(
            sa.text("SELECT count(*), count(DISTINCT id) FROM servicetitan_invoices WHERE credential_id = :c"),
            {"c": world.credentials[1001].id},
        ).one()
    # The killed attempt: one failed row, closed by its retry, with the counts of the pages it committed.
    assert killed.status == "failed"
    assert killed.error_details == {"exception": "WorkerLost", "closed_by": "servicetitan_sync"}
    assert killed.records_processed == killed.records_successful == ledger[killed.id] >= loaded_before_kill > 0
    assert f"it had committed {killed.records_processed} records" in killed.error_message
    # The retry resumed from the checkpoint: it read only what the killed attempt had not committed.
    assert resumed.status == "completed"
    assert resumed.records_processed == ledger[resumed.id] == invoices - killed.records_processed
    # Exactly the sandbox's invoices, each loaded once.
    dataset = world.server.state.datasets[1001].invoices
    with world.engine.connect() as conn:
        loaded = set(
            conn.execute(
                sa.text("SELECT id FROM servicetitan_invoices WHERE credential_id = :c"),
                {"c": world.credentials[1001].id},
            ).scalars()
        )
    assert tuple(ids) == (invoices, invoices)
    assert loaded == {dataset.id_of(i) for i in range(dataset.size)}
