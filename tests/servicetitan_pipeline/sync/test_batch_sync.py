"""Many tenants synced in one process against the sandbox: one failing, every other complete and loaded."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from servicetitan_pipeline.db.connection_pool import ConnectionPool
from servicetitan_pipeline.db.engine import psycopg_conninfo
from servicetitan_pipeline.sync.batch_runner import BatchSettings, run_batch
from servicetitan_pipeline.sync.runner import run_sync
from servicetitan_pipeline.sync.targets import SyncTarget
from tests.sync_world import SyncWorld, fast_client, tenant

GOOD = [2001, 2002, 2003, 2004, 2005, 2006, 2007]
BAD = 2008
SETTINGS = BatchSettings(workers=4, attempts=3, retry_delay_seconds=0.01, max_retry_delay_seconds=0.02)


def test_one_tenant_failing_leaves_every_other_complete(make_world: Callable[..., SyncWorld]) -> None:
    world = make_world(
        *(tenant(t, customers=30, invoices=60) for t in GOOD),
        tenant(BAD, faults={"invalid_credentials": True}),
    )
    workers = SETTINGS.workers
    with ConnectionPool(psycopg_conninfo(world.engine), max_size=2 * workers) as pool:

        def sync_one(target: SyncTarget):  # type: ignore[no-untyped-def]
            return run_sync(
                target, engine=world.engine, make_client=fast_client, metrics_backend=world.metrics, connections=pool
            )

        report = run_batch([world.target(t) for t in [*GOOD, BAD]], sync_one, SETTINGS)
        # The database saw at most two connections per worker from the batch, not two per tenant.
        assert pool.peak_open <= 2 * workers

    assert [r.target.label for r in report.failed] == [world.credentials[BAD].label]
    # Refused credentials are not retried: one attempt, one failed sync-log row with the reason.
    (failed_row,) = world.logs(BAD)
    assert failed_row.status == "failed"
    assert "refused the client credentials" in failed_row.error_message
    for tenant_id in GOOD:
        (row,) = world.logs(tenant_id)
        assert row.status == "completed"
        assert world.count("servicetitan_customers", tenant_id) == 30
        assert world.count("servicetitan_invoices", tenant_id) == world.summary(tenant_id)["invoices"]
    assert report.loaded()["customers"] == {"records": 30 * len(GOOD), "tenants": len(GOOD)}
    with world.engine.connect() as conn:
        running = conn.execute(sa.text("SELECT count(*) FROM servicetitan_sync_logs WHERE status = 'running'"))
        assert running.scalar_one() == 0
        # Every advisory lock went back with its connection.
        locks = conn.execute(sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"))
        assert locks.scalar_one() == 0
