"""airflow_settings.yaml (Astro's schema) is read and applied to a plain Airflow."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicetitan_devtools.airflow_settings import SettingsFileError, import_settings, load_settings
from servicetitan_devtools.dev_environment import PROJECT_ROOT


def test_project_settings_file_is_valid() -> None:
    settings = load_settings(PROJECT_ROOT / "airflow_settings.yaml")
    assert {c.conn_id for c in settings.connections} == {"servicetitan_db", "slack_alerts"}
    assert {(p.name, p.slots) for p in settings.pools} == {("servicetitan_api", 8)}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("airflow: [1, 2]", "top-level key 'airflow' must be a mapping"),
        ("airflow:\n  connections:\n    - conn_type: http", r"connections\[0\] needs 'conn_id'"),
        ("airflow:\n  pools:\n    - pool_name: p\n      pool_slot: 0", r"pools\[0\].pool_slot must be a positive"),
        ("airflow:\n  variables:\n    - variable_name: v", r"variables\[0\] needs 'variable_value'"),
        ("airflow: {connections: [", "not valid YAML"),
    ],
)
def test_bad_file_says_where(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text(content)
    with pytest.raises(SettingsFileError, match=message):
        load_settings(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsFileError, match="no such file"):
        load_settings(tmp_path / "absent.yaml")


def test_import_creates_connections_pools_and_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.models import Pool, Variable
    from airflow.models.connection import Connection

    path = tmp_path / "settings.yaml"
    path.write_text(
        """
airflow:
  connections:
    - conn_id: settings_test_http
      conn_type: http
      conn_host: example.internal
      conn_port: 8443
      conn_login: user
      conn_password: pw
      conn_extra: {"timeout": 5}
    - conn_id: settings_test_overridden
      conn_type: postgres
      conn_host: never-imported
  pools:
    - pool_name: settings_test_pool
      pool_slot: 3
      pool_description: test pool
  variables:
    - variable_name: settings_test_var
      variable_value: "42"
    - variable_name: settings_test_json
      variable_value: {"a": 1}
"""
    )
    monkeypatch.setenv("AIRFLOW_CONN_SETTINGS_TEST_OVERRIDDEN", "postgresql://env-wins/db")
    report = import_settings(path)
    report_again = import_settings(path)  # re-import updates in place

    assert report == report_again
    assert "connection settings_test_overridden: from AIRFLOW_CONN_SETTINGS_TEST_OVERRIDDEN, not imported" in report
    conn = Connection.get_connection_from_secrets("settings_test_http")
    assert (conn.host, conn.port, conn.login, conn.password) == ("example.internal", 8443, "user", "pw")
    assert conn.extra_dejson == {"timeout": 5}
    assert Pool.get_pool("settings_test_pool").slots == 3
    assert Variable.get("settings_test_var") == "42"
    assert Variable.get("settings_test_json", deserialize_json=True) == {"a": 1}


def test_import_deletes_the_per_field_settings_of_an_earlier_release(tmp_path: Path) -> None:
    from airflow.models import Variable

    path = tmp_path / "settings.yaml"
    path.write_text(
        "airflow:\n  variables:\n    - variable_name: servicetitan_alert_settings\n"
        '      variable_value: {"failure_threshold": 4}\n'
    )
    Variable.set("servicetitan_alert_failure_threshold", "5")
    Variable.set("servicetitan_sync_credential_choices", '["Acme Plumbing (integration, tenant 1001)"]')
    try:
        report = import_settings(path)
        assert report == [
            "variable servicetitan_alert_settings: set",
            "variable servicetitan_alert_failure_threshold: deleted (no longer read; servicetitan_alert_settings "
            "holds it)",
        ]
        assert Variable.get("servicetitan_alert_failure_threshold", default_var=None) is None
        assert Variable.get("servicetitan_sync_credential_choices") is not None  # not a setting: kept
    finally:
        for key in ("servicetitan_alert_settings", "servicetitan_sync_credential_choices"):
            Variable.delete(key)
