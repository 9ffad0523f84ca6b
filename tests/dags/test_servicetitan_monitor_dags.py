"""The monitor DAGs are on as soon as Airflow first parses them: nobody has to remember to unpause them."""

from __future__ import annotations

import pytest

from servicetitan_devtools.dev_environment import PROJECT_ROOT


@pytest.mark.parametrize("dag_id", ["servicetitan_monitor_health", "servicetitan_monitor_sync_failures"])
def test_monitors_start_unpaused(dag_id: str) -> None:
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / f"{dag_id}.py")).dags[dag_id]
    assert dag.is_paused_upon_creation is False
