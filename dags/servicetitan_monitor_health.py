"""servicetitan_monitor_health: every 6 hours, credential health (errors, expiring secrets), stale syncs,
data quality, API connectivity on a sample of credentials, and a digest of the last 6 hours to Slack."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag, task


@dag(
    dag_id="servicetitan_monitor_health",
    schedule="0 */6 * * *",
    start_date=None,
    catchup=False,
    # On as soon as deployed: a monitor that waits to be unpaused alerts nobody (docs/operations.md).
    is_paused_upon_creation=False,
    max_active_runs=1,
    tags=["servicetitan", "monitoring"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
)
def servicetitan_monitor_health() -> None:
    @task
    def monitor() -> dict[str, object]:
        from servicetitan_pipeline.alerts import airflow_tasks

        return airflow_tasks.health_monitor()

    monitor()


servicetitan_monitor_health()
