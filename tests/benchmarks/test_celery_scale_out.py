"""The scale-out run's checks and figures (the run itself is `make scale-out`: it takes minutes)."""

from __future__ import annotations

from typing import Any

from benchmarks.celery_scale_out import Options, RunResult, capacity, check_run, worker_hostname

EXPECTED = {5001: {"customers": 10, "invoices": 30}, 5002: {"customers": 10, "invoices": 30}}


def _run(hosts: list[str], *, state: str = "success", counts: dict[int, dict[str, int]] | None = None) -> RunResult:
    tasks: list[dict[str, Any]] = [
        {"task_id": "sync", "map_index": i, "state": "success", "hostname": host, "executor": None}
        for i, host in enumerate(hosts)
    ]
    logs = [
        {"tenant_id": t, "status": "completed", "records_processed": 40, "processing_time_seconds": 2.0}
        for t in EXPECTED
    ]
    return RunResult("run", "r", state, 2, 30.0, 10.0, tasks, logs, counts or EXPECTED)


def _failed(checks: list[tuple[str, bool, str]]) -> list[str]:
    return [name for name, ok, _ in checks if not ok]


def test_a_run_on_both_workers_with_the_sandbox_counts_passes() -> None:
    assert _failed(check_run(_run(["w1@h", "w2@h"]), EXPECTED, celery=True, workers=["w1@h", "w2@h"])) == []


def test_a_run_on_one_of_two_workers_fails_the_both_workers_check() -> None:
    failed = _failed(check_run(_run(["w1@h", "w1@h"]), EXPECTED, celery=True, workers=["w1@h", "w2@h"]))
    assert failed == ["run: both workers ran syncs"]


def test_missing_rows_and_a_failed_run_are_reported() -> None:
    short = {**EXPECTED, 5002: {"customers": 10, "invoices": 29}}
    failed = _failed(check_run(_run([], state="failed", counts=short), EXPECTED, celery=False, workers=[]))
    assert failed == ["run: run succeeded", "run: rows per tenant = sandbox counts"]


def test_capacity_per_worker_and_speed_up() -> None:
    one, two = _run(["w1@h"]), _run(["w1@h", "w2@h"])
    two.sync_phase_seconds = 5.0
    figures = capacity(one, two, Options(customers=10, invoices=30))
    assert figures["one_worker_records_per_second"] == 8.0
    assert figures["speed_up_from_second_worker"] == 2.0
    assert figures["records_per_hour_per_worker"] == 28_800
    assert figures["tenants_per_hour_per_worker"] == 720


def test_worker_hostname_names_the_worker(monkeypatch: Any) -> None:
    monkeypatch.setenv("SCALE_OUT_WORKER", "w2")
    assert worker_hostname().startswith("w2@")
