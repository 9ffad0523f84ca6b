"""Data-quality validation cost against the sync it validates (goal: under a fifth of the
sync's time at 100k records).

One run, side by side: sync 100k invoices from the sandbox into PostgreSQL, then validate what that
sync loaded with the Great Expectations suite (reading the rows, GX, saving the result, building its
data docs page). Opening the GX project (importing GX, reading its files) is paid once per validation
task, whatever the number of syncs it validates, and is shown on its own line.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.world import NullMetrics, prepare_bench_environment, start_tenant
from servicetitan_pipeline.sync.runner import run_sync
from servicetitan_pipeline.sync.targets import SyncTarget

GOAL_RATIO = 0.2


def run(records: int = 100_000, page_size: int = 5000) -> dict[str, Any]:
    engine = prepare_bench_environment()
    tenant = start_tenant(
        engine, tenant_id=4242, customers=max(records // 10, 1), invoices=records, page_size=page_size
    )
    try:
        from servicetitan_pipeline.data_quality.runner import validate_pending_syncs
        from servicetitan_pipeline.data_quality.validation import GreatExpectationsProject

        started = time.perf_counter()
        project = GreatExpectationsProject()
        open_seconds = time.perf_counter() - started

        def sync(data_type: str) -> float:
            target = SyncTarget(
                credential_id=str(tenant.credential.id),
                label=tenant.credential.label,
                data_type=data_type,
                sync_type="manual",
                full_refresh=True,
            )
            began = time.perf_counter()
            outcome = run_sync(target, engine=engine, make_client=tenant.make_client(), metrics_backend=NullMetrics())
            assert outcome.successful == (records if data_type == "invoices" else outcome.successful)
            return time.perf_counter() - began

        sync("customers")
        validate_pending_syncs(engine=engine, metrics_backend=NullMetrics(), project=project)
        sync_seconds = sync("invoices")
        began = time.perf_counter()
        (report,) = validate_pending_syncs(engine=engine, metrics_backend=NullMetrics(), project=project)
        validation_seconds = time.perf_counter() - began
    finally:
        tenant.server.stop()
    ratio = validation_seconds / sync_seconds
    return {
        "name": "data_quality_cost",
        "records": records,
        "page_size": page_size,
        "sync_seconds": round(sync_seconds, 2),
        "sync_records_per_second": round(records / sync_seconds),
        "validation_seconds": round(validation_seconds, 2),
        "validation_records_per_second": round(records / validation_seconds),
        "gx_project_open_seconds_once_per_task": round(open_seconds, 2),
        "validation_to_sync_ratio": round(ratio, 3),
        "goal": f"ratio < {GOAL_RATIO}",
        "goal_met": ratio < GOAL_RATIO,
        "score": None if report.score is None else float(report.score),
        "rows": [
            ["sync of invoices (records/s)", f"{records / sync_seconds:,.0f}", f"{sync_seconds:.1f} s"],
            [
                "validation of that sync (records/s)",
                f"{records / validation_seconds:,.0f}",
                f"{validation_seconds:.1f} s",
            ],
            ["validation / sync", f"{ratio:.3f}", f"goal < {GOAL_RATIO}: {'met' if ratio < GOAL_RATIO else 'NOT met'}"],
            ["GX import + project open (once per task)", "", f"{open_seconds:.1f} s"],
        ],
    }
