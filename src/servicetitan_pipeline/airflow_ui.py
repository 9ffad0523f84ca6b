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
