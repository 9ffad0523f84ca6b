"""Links into this Airflow's UI, from Airflow's own ``[api] base_url`` (``AIRFLOW__API__BASE_URL``)."""

from __future__ import annotations

# What Airflow itself links to when ``[api] base_url`` is unset (its task instances' ``log_url``), so the
# project's links and Airflow's own agree.
DEFAULT_BASE_URL = "http://localhost:8080"


def airflow_base_url() -> str:
    """The UI's base URL, without a trailing slash; a sub-path (``https://example.com/airflow``) is kept."""
    from airflow.sdk import conf

    configured = conf.get("api", "base_url", fallback=None)
    return (configured or DEFAULT_BASE_URL).rstrip("/")


SYNC_DAG_ID = "servicetitan_sync"


def connection_url(conn_id: str, base_url: str | None = None) -> str:
    """The UI's connection list filtered to this one connection (Airflow 3 edits a connection from its list)."""
    from urllib.parse import quote

    return f"{base_url or airflow_base_url()}/connections?name_pattern={quote(conn_id, safe='')}"


def failed_runs_url(dag_id: str = SYNC_DAG_ID, base_url: str | None = None) -> str:
    """The DAG's runs, failed ones only."""
    return f"{base_url or airflow_base_url()}/dags/{dag_id}/runs?state=failed"


def dag_run_url(dag_id: str, run_id: str, base_url: str | None = None) -> str:
    from urllib.parse import quote

    return f"{base_url or airflow_base_url()}/dags/{dag_id}/runs/{quote(run_id, safe='')}"
