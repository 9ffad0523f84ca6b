"""The project database is found through the Airflow connection servicetitan_db."""

from __future__ import annotations

import json

import pytest

from servicetitan_pipeline.db.engine import DatabaseConfigError, database_url


def test_uri_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_ENGINE_TEST", "postgresql://user:p%40ss@db.internal:6543/analytics?sslmode=require"
    )
    url = database_url("engine_test")
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "user",
        "p@ss",
        "db.internal",
        6543,
        "analytics",
    )
    assert url.query == {"sslmode": "require"}
    assert "p@ss" not in str(url)  # rendered URLs hide the password


def test_json_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_ENGINE_TEST",
        json.dumps({"conn_type": "postgres", "host": "h", "login": "u", "schema": "d", "port": 5432}),
    )
    url = database_url("engine_test")
    assert (url.host, url.database, url.port) == ("h", "d", 5432)


def test_wrong_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_ENGINE_TEST", json.dumps({"conn_type": "mysql", "host": "h"}))
    with pytest.raises(DatabaseConfigError, match="has type 'mysql'; it must be postgres"):
        database_url("engine_test")


def test_missing_connection_says_how_to_define_it() -> None:
    with pytest.raises(DatabaseConfigError, match="set AIRFLOW_CONN_NO_SUCH_DB"):
        database_url("no_such_db")
