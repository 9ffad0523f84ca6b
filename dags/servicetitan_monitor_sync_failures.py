"""servicetitan_monitor_sync_failures: every 15 minutes, close sync-log rows left 'running' by dead workers
and alert (HIGH) on credentials with repeated failed syncs; collect the metrics (Airflow's metrics API and the
snapshot history the dashboard charts). Thresholds: the Airflow Variables
servicetitan_alert_settings and servicetitan_anomaly_settings (docs/operations.md, "Settings")."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag, task


@dag(
    dag_id="servicetitan_monitor_sync_failures",
    schedule="*/15 * * * *",
    start_date=None,
    catchup=False,
    # On as soon as deployed: a monitor that waits to be unpaused alerts nobody (docs/operations.md).
    is_paused_upon_creation=False,
    max_active_runs=1,
    tags=["servicetitan", "monitoring"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
)
def servicetitan_monitor_sync_failures() -> None:
    @task
    def monitor() -> dict[str, object]:
        from servicetitan_pipeline.alerts import airflow_tasks

        return airflow_tasks.sync_failure_monitor()

    @task
    def collect_metrics() -> dict[str, object]:
        from servicetitan_pipeline.alerts import airflow_tasks

        return airflow_tasks.collect_metrics()

    monitor()
    collect_metrics()


servicetitan_monitor_sync_failures()
