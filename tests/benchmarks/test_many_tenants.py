"""The many-tenants benchmark: its figures, table and results file (pure), and the run itself at 3 tenants
through a real scheduler (slow)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.many_tenants import (
    Options,
    format_table,
    per_tenant_cost_ratio,
    result_rows,
    run_figures,
    sandbox_config,
)
from servicetitan_sandbox import parse_config
from tests.conftest import ORIGINAL_ENVIRONMENT

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RUN_KEYS = {
    "tenants",
    "run",
    "completed",
    "failed",
    "dag_run_seconds",
    "tenants_per_second",
    "peak_rss_mb",
    "peak_pg_connections",
}


def figures(
    tenants: int = 500,
    run: str = "first",
    completed: int = 500,
    seconds: float = 100.0,
    *,
    state: str = "success",
    error: str | None = None,
) -> dict[str, Any]:
    return run_figures(
        tenants=tenants,
        run=run,
        state=state,
        completed=completed,
        failed=0,
        seconds=seconds,
        peak_rss_mb=812.34,
        peak_pg_connections=9,
        error=error,
    )


def test_a_run_row_has_the_fields_of_the_results_file() -> None:
    row = figures()
    assert set(row) >= RUN_KEYS
    assert row["run"] in ("first", "incremental")
    assert (row["tenants_per_second"], row["peak_rss_mb"]) == (5.0, 812.3)
    json.dumps({"runs": [row]})  # the file's shape serialises as is


def test_a_run_that_completed_nothing_reports_zero_and_its_failure() -> None:
    row = figures(tenants=5000, completed=0, seconds=420.0, state="failed", error="plan failed x1")
    assert (row["completed"], row["tenants_per_second"], row["error"]) == (0, 0.0, "plan failed x1")
    table = format_table([row])
    assert "failed" in table
    assert "5,000 first: plan failed x1" in table


def test_the_table_has_a_line_per_run_under_its_header() -> None:
    table = format_table([figures(), figures(run="incremental", seconds=50.0)]).splitlines()
    assert table[0].split() == [
        "TENANTS",
        "RUN",
        "STATE",
        "COMPLETED",
        "FAILED",
        "DAG",
        "RUN",
        "s",
        "TENANTS/s",
        "PEAK",
        "RSS",
        "MB",
        "PEAK",
        "PG",
    ]
    assert table[1].split()[:6] == ["500", "first", "success", "500", "0", "100.0"]
    assert table[2].split()[5:7] == ["50.0", "10.00"]
    [label, figure, _] = result_rows([figures()])[0]
    assert (label, figure) == ("500 tenants, first run", "5.00 tenants/s")


def test_per_tenant_cost_ratio_compares_the_largest_size_with_the_smallest() -> None:
    runs = [
        figures(500, "incremental", 500, 50.0),
        figures(5000, "incremental", 5000, 600.0),
        figures(5000, "first", 5000, 10_000.0),
    ]
    assert per_tenant_cost_ratio(runs) == 1.2
    assert per_tenant_cost_ratio(runs[:1]) is None
    assert per_tenant_cost_ratio([runs[0], figures(5000, "incremental", 0, 400.0)]) is None


def test_the_sandbox_config_generates_the_tenants_with_the_latency() -> None:
    config = parse_config(sandbox_config(500, Options(customers=50, invoices=50, latency_ms=100)))
    assert config.tenant_count == 500
    first = config.tenant(next(iter(config.tenant_ids())))
    assert first is not None
    assert (first.customers, first.invoices, first.faults.latency_ms) == (50, 50, 100)


@pytest.mark.slow
@pytest.mark.isolated
def test_three_tenants_complete_a_first_and_an_incremental_run(tmp_path: Path) -> None:
    results_file = tmp_path / "many_tenants.json"
    command = [sys.executable, "-m", "benchmarks.many_tenants", "--tenants", "3", "--results-file", str(results_file)]
    # Its own profile (databases airflow_tenants, servicetitan_tenants): never the suite's environment.
    run = subprocess.run(
        command, cwd=PROJECT_ROOT, env=ORIGINAL_ENVIRONMENT, capture_output=True, text=True, timeout=900, check=False
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    runs = json.loads(results_file.read_text())["runs"]
    assert [(r["tenants"], r["run"], r["completed"], r["failed"]) for r in runs] == [
        (3, "first", 3, 0),
        (3, "incremental", 3, 0),
    ]
    for row in runs:
        assert set(row) >= RUN_KEYS
        assert row["peak_rss_mb"] > 0
        assert row["peak_pg_connections"] > 0
    assert "TENANTS" in run.stdout
