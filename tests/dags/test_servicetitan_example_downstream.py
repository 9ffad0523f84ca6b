"""The example downstream DAG follows servicetitan_sync's Assets, and starts paused."""

from __future__ import annotations

from servicetitan_devtools.dev_environment import PROJECT_ROOT


def test_scheduled_on_either_asset_paused_and_tagged_example() -> None:
    from airflow.dag_processing.dagbag import DagBag

    path = PROJECT_ROOT / "dags" / "servicetitan_example_downstream.py"
    dag = DagBag(dag_folder=str(path)).dags["servicetitan_example_downstream"]
    assert "example" in dag.tags
    assert dag.is_paused_upon_creation is True
    assert {asset.name for asset in dag.timetable.asset_condition.objects} == {
        "servicetitan_customers",
        "servicetitan_invoices",
    }
    assert type(dag.timetable.asset_condition).__name__ == "AssetAny"  # either one updated starts a run
    assert dag.task_ids == ["report_loaded_data"]
