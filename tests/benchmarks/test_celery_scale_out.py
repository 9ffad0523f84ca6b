"""The scale-out run: its checks and figures, and the run itself at a small size (what `make scale-out`
runs at a larger one): servicetitan_sync under the CeleryExecutor with Redis and two workers loads the
same rows as the local executor."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.celery_scale_out import Options, RunResult, capacity, check_run, worker_hostname
from tests.conftest import ORIGINAL_ENVIRONMENT

PROJECT_ROOT = Path(__file__).resolve().parents[2]

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


@pytest.mark.isolated
def test_the_sync_under_celery_with_two_workers_loads_what_the_local_executor_loads(tmp_path: Path) -> None:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 6379)) != 0:
            pytest.fail("the scale-out run needs Redis on 127.0.0.1:6379 (redis-server --port 6379)")
    results_file = tmp_path / "celery_scale_out.json"
    command = [sys.executable, "-m", "benchmarks.celery_scale_out", "--tenants", "2", "--customers", "60"]
    command += ["--invoices", "200", "--redis-db", "8", "--results-file", str(results_file)]
    # Its own profile (databases airflow_celery, servicetitan_celery): never the suite's environment.
    run = subprocess.run(
        command, cwd=PROJECT_ROOT, env=ORIGINAL_ENVIRONMENT, capture_output=True, text=True, timeout=900, check=False
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    result = json.loads(results_file.read_text())
    assert result["passed"]
    passed = {check["check"] for check in result["checks"] if check["passed"]}
    assert {check["check"] for check in result["checks"]} == passed
    assert {"celery and local runs: same rows per tenant", "celery, 2 workers: both workers ran syncs"} <= passed
