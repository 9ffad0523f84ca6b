"""The retention task reads its Variable; the maintenance DAG's shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from servicetitan_devtools.dev_environment import PROJECT_ROOT
from servicetitan_pipeline.maintenance import airflow_tasks


def test_the_task_body_reads_the_variables_and_returns_the_counts(
    clean_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_SERVICETITAN_RETENTION_SETTINGS", '{"sync_log_days": 120}')
    summary = airflow_tasks.apply_log_retention()
    assert summary["sync_logs_rolled_up"] == 0
    assert summary["metric_snapshots_deleted"] == 0
    today = datetime.now(UTC).date()
    assert summary["sync_log_cutoff"] == f"{today - timedelta(days=120)}T00:00:00+00:00"  # the Variable's 120 days


@pytest.fixture(scope="module")
def maintenance_dag():  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / "servicetitan_maintenance.py"))
    assert bag.import_errors == {}
    return bag.dags["servicetitan_maintenance"]


def test_dag_shape(maintenance_dag) -> None:  # type: ignore[no-untyped-def]
    dag = maintenance_dag
    assert dag.task_ids == ["apply_log_retention"]
    assert dag.timetable.expression == "30 3 * * *"
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert set(dag.tags) == {"servicetitan", "maintenance"}
    task = dag.get_task("apply_log_retention")
    assert task.retries >= 2
    assert task.execution_timeout == timedelta(hours=3)
