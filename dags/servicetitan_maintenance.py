"""servicetitan_maintenance: daily log retention. Finished sync logs older than `sync_log_days` (default 90;
the Variable `servicetitan_retention_settings`) are rolled up into daily aggregates, which the dashboard reads,
and deleted in batches; metric snapshots and resolved alerts older than `snapshot_days` (default 30) are
deleted."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag, task


@dag(
    dag_id="servicetitan_maintenance",
    schedule="30 3 * * *",
    start_date=None,
    catchup=False,
    max_active_runs=1,
    tags=["servicetitan", "maintenance"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
)
def servicetitan_maintenance() -> None:
    @task(execution_timeout=timedelta(hours=3))
    def apply_log_retention() -> dict[str, object]:
        from servicetitan_pipeline.maintenance import airflow_tasks

        return airflow_tasks.apply_log_retention()

    apply_log_retention()


servicetitan_maintenance()
