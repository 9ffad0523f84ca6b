"""Retention ages come from Airflow Variables (defaults in airflow_settings.yaml); the maintenance DAG's shape."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from servicetitan_devtools.airflow_settings import load_settings
from servicetitan_devtools.dev_environment import PROJECT_ROOT
from servicetitan_pipeline.maintenance import airflow_tasks
from servicetitan_pipeline.maintenance.settings import RetentionSettings


def test_airflow_settings_file_declares_every_setting_with_its_default() -> None:
    variables = {v.key: v.value for v in load_settings(PROJECT_ROOT / "airflow_settings.yaml").variables}
    defaults = RetentionSettings()
    assert (defaults.sync_log_days, defaults.snapshot_days) == (90, 30)
    for field in fields(RetentionSettings):
        key = f"servicetitan_retention_{field.name}"
        assert key in variables, f"{key} is missing from airflow_settings.yaml"
        assert int(variables[key]) == getattr(defaults, field.name)


def test_variables_override_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_SERVICETITAN_RETENTION_SYNC_LOG_DAYS", "180")
    assert RetentionSettings.from_variables() == RetentionSettings(sync_log_days=180, snapshot_days=30)


def test_a_bad_variable_says_which(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_SERVICETITAN_RETENTION_SNAPSHOT_DAYS", "a month")
    with pytest.raises(ValueError, match="servicetitan_retention_snapshot_days='a month' is not a whole number"):
        RetentionSettings.from_variables()


def test_the_task_body_reads_the_variables_and_returns_the_counts(
    clean_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_SERVICETITAN_RETENTION_SYNC_LOG_DAYS", "120")
    summary = airflow_tasks.apply_log_retention()
    assert summary["sync_logs_rolled_up"] == 0
    assert summary["metric_snapshots_deleted"] == 0
    assert summary["sync_log_cutoff"].endswith("T00:00:00+00:00")


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
