"""The metrics reach a real StatsD listener through Airflow's metrics API when Airflow is told to send them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

# The task runner initialises Airflow's metrics this way before running a task (task_runner.main).
EMIT = (
    "from airflow.sdk.configuration import conf\n"
    "from airflow.sdk.observability import stats\n"
    "from airflow.sdk.observability.metrics import stats_utils\n"
    "stats.initialize(factory=stats_utils.get_stats_factory(),"
    " export_legacy_names=conf.getboolean('metrics', 'legacy_names_on'))\n"
    "from servicetitan_pipeline.metrics import AirflowMetrics, SyncMetrics\n"
    "metrics = SyncMetrics(AirflowMetrics(), company='Acme', environment='integration', data_type='invoices')\n"
    "metrics.sync_started()\n"
    "metrics.sync_finished('completed', 2.5, 10, 9, 1)\n"
)


def test_sync_metrics_arrive_over_statsd() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.settimeout(5)
        env = {
            **os.environ,
            "AIRFLOW__METRICS__STATSD_ON": "True",
            "AIRFLOW__METRICS__STATSD_HOST": "127.0.0.1",
            "AIRFLOW__METRICS__STATSD_PORT": str(listener.getsockname()[1]),
            "AIRFLOW__METRICS__STATSD_PREFIX": "airflow",
        }
        subprocess.run([sys.executable, "-c", EMIT], env=env, check=True, timeout=120)
        received: list[str] = []
        try:
            while True:
                received.extend(listener.recv(65536).decode().splitlines())
        except TimeoutError:
            pass
    names = {line.split(":", 1)[0] for line in received}
    assert "airflow.servicetitan.sync.started" in names
    assert "airflow.servicetitan.sync.completed" in names
    assert "airflow.servicetitan.sync.records_failed" in names
    assert "airflow.servicetitan.sync.success_rate" in names
    assert any(line.startswith("airflow.servicetitan.sync.duration:2500") for line in received)


class _NoBackend:
    def incr(self, stat: str, count: int = 1, *, tags: dict[str, object]) -> None: ...
    def gauge(self, stat: str, value: float, *, tags: dict[str, object]) -> None: ...
    def timing(self, stat: str, milliseconds: float, *, tags: dict[str, object]) -> None: ...


def test_a_syncs_api_snapshot_counts_429s_circuit_openings_and_errors_per_endpoint() -> None:
    from servicetitan_pipeline.metrics import SyncMetrics
    from servicetitan_pipeline.servicetitan.client import CallReport

    metrics = SyncMetrics(_NoBackend(), company="Acme", environment="integration", data_type="invoices")
    for status, error, opened in [(200, None, False), (429, "RateLimitedError", False), (503, "TransientError", True)]:
        metrics.api_call(CallReport("invoices", "GET", status, 0.1, 1, error, opened))
    metrics.api_call(CallReport("customers", "GET", 200, 0.3, 1, None))
    rows = {(name, tags["endpoint"]): value for name, value, tags in metrics.api_snapshot()}
    assert rows == {
        ("servicetitan.api.requests", "customers"): 1,
        ("servicetitan.api.response_time_ms", "customers"): 300,
        ("servicetitan.api.requests", "invoices"): 3,
        ("servicetitan.api.response_time_ms", "invoices"): 100,
        ("servicetitan.api.request_errors", "invoices"): 2,
        ("servicetitan.api.rate_limited", "invoices"): 1,
        ("servicetitan.api.circuit_opened", "invoices"): 1,
    }
