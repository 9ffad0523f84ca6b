"""A worker killed in the middle of a sync: the next run finishes the job, losing and duplicating nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import sqlalchemy as sa

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


def test_kill_and_rerun_loses_and_duplicates_nothing(make_world: Callable[..., SyncWorld]) -> None:
    # Slow pages (120 ms each, 20 records) so the kill lands in the middle of the invoices.
    world = make_world(tenant(1001, invoices=400, faults={"latency_ms": 120}), export_page_size=20)
    target = world.target(1001, "invoices")
    worker = subprocess.Popen([sys.executable, "-c", WORKER, json.dumps(target.to_xcom())], env=dict(os.environ))
    try:
        deadline = time.monotonic() + 60
        while world.count("servicetitan_invoices", 1001) < 100 and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker ended before it could be killed"
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(10)
    loaded_before_kill = world.count("servicetitan_invoices", 1001)
    assert 0 < loaded_before_kill < 400
    assert checkpoints(world, 1001) == 1
    (abandoned,) = world.logs(1001)
    assert abandoned.status == "running"  # what a crashed worker leaves behind

    outcome = world.sync(1001, "invoices")

    assert world.count("servicetitan_invoices", 1001) == world.summary(1001)["invoices"] == 400
    assert outcome.processed < 400  # resumed from the last committed page, not from the start
    assert outcome.abandoned_rows_closed == 1
    closed, finished = world.logs(1001)
    assert closed.id == abandoned.id
    assert closed.status == "failed"
    assert "stopped before finishing" in closed.error_message
    assert finished.status == "completed"
