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
