"""Reading Airflow connections from tasks and from the command line alike."""

from __future__ import annotations

from typing import Any


def get_airflow_connection(conn_id: str) -> Any:
    """Return the Airflow connection ``conn_id`` wherever this code runs.

    Inside a task the Task SDK resolves it (environment, secrets backends, the API server).
    Outside a task (the ``servicetitan`` command line) the SDK sees only environment variables
    and secrets backends, so connections kept in the metadata database are read from there.
    """
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        if running_in_task():
            raise
    from airflow.models.connection import Connection

    return Connection.get_connection_from_secrets(conn_id)


def running_in_task() -> bool:
    """Whether this process runs a task under the Task SDK's supervisor."""
    try:
        from airflow.sdk.execution_time import task_runner
    except ImportError:  # pragma: no cover - the SDK always ships it
        return False
    return getattr(task_runner, "SUPERVISOR_COMMS", None) is not None
