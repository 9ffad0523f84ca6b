"""Airflow connection ids this project reads, in one place."""

SERVICETITAN_DB = "servicetitan_db"
SLACK_ALERTS = "slack_alerts"


def servicetitan_credential_conn_id(environment: str, tenant_id: int) -> str:
    """The Airflow connection that holds one credential's secrets (docs/deploying.md, "Where secrets live")."""
    return f"servicetitan_{environment}_{tenant_id}"
