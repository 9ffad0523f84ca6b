"""Every DAG file imports cleanly, quickly, and follows the project's rules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from servicetitan_devtools.dev_environment import PROJECT_ROOT

DAGS_FOLDER = PROJECT_ROOT / "dags"
DAG_FILES = sorted(p for p in DAGS_FOLDER.glob("*.py") if not p.name.startswith("_"))


@pytest.fixture(scope="module")
def dag_bag():  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER))


def test_no_import_errors(dag_bag) -> None:  # type: ignore[no-untyped-def]
    assert dag_bag.import_errors == {}


def test_every_dag_file_defines_a_dag(dag_bag) -> None:  # type: ignore[no-untyped-def]
    files_with_dags = {Path(dag.fileloc).name for dag in dag_bag.dags.values()}
    assert files_with_dags == {path.name for path in DAG_FILES}


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda p: p.name)
def test_dag_rules(dag_bag, dag_file: Path) -> None:  # type: ignore[no-untyped-def]
    dags = [dag for dag in dag_bag.dags.values() if Path(dag.fileloc) == dag_file]
    assert dags, f"{dag_file.name} defines no DAG"
    for dag in dags:
        assert dag.tags, f"{dag.dag_id} has no tags"
        assert dag.catchup is False, f"{dag.dag_id} must not catch up"
        for task in dag.tasks:
            assert task.retries >= 2, f"{dag.dag_id}.{task.task_id} has retries={task.retries}; need >= 2"


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_has_no_top_level_work(dag_file: Path) -> None:
    """Importing a DAG file opens no database or HTTP connection (the parser runs it every 30 s)."""
    probe = (
        "import socket, runpy, sys\n"
        "def refuse(*a, **k): raise RuntimeError('network access at DAG parse time')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        f"runpy.run_path({str(dag_file)!r})\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
