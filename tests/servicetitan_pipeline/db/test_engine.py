"""The project database is found through the Airflow connection servicetitan_db."""

from __future__ import annotations

import json

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.engine import URL

from servicetitan_pipeline.db.engine import DatabaseConfigError, database_url, psycopg_conninfo

PASSWORD = "S3cret p@ss'word%zz"


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


def test_conninfo_carries_every_part_of_the_url() -> None:
    url = URL.create(
        "postgresql+psycopg",
        username="u",
        password=PASSWORD,
        host="db.internal",
        port=6543,
        database="analytics",
        query={"sslmode": "require"},
    )
    assert conninfo_to_dict(psycopg_conninfo(url)) == {
        "user": "u",
        "password": PASSWORD,
        "host": "db.internal",
        "port": "6543",
        "dbname": "analytics",
        "sslmode": "require",
    }


def test_conninfo_keeps_a_socket_directory_given_as_an_option() -> None:
    url = URL.create("postgresql+psycopg", username="u", database="d", query={"host": "/run/postgresql"})
    assert conninfo_to_dict(psycopg_conninfo(url)) == {"user": "u", "dbname": "d", "host": "/run/postgresql"}


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",  # nothing listens on port 1: connection refused
        "[::1",  # a malformed host, which a URI's parser would quote whole, password included
        "no-such-host.invalid",
    ],
)
def test_a_failed_connection_does_not_show_the_password(host: str) -> None:
    url = URL.create("postgresql+psycopg", username="u", password=PASSWORD, host=host, port=1, database="d")
    with pytest.raises(psycopg.Error) as failure:
        psycopg.connect(psycopg_conninfo(url), connect_timeout=2)
    shown = f"{failure.value} {failure.value!r}"
    assert "S3cret" not in shown
