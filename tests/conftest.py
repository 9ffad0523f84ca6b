"""Test environment: real PostgreSQL (embedded, or the servers named by AIRFLOW_CONN_SERVICETITAN_DB and
AIRFLOW__DATABASE__SQL_ALCHEMY_CONN) and an Airflow home of its own, set up before Airflow is imported; none of
it for a session of pure tests only (``pytest -m pure``, see tests/pure.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from servicetitan_devtools.database import empty_project_tables
from servicetitan_devtools.dev_environment import DevEnvironment

# The environment as the suite was started in: for commands that must set up a profile of their own.
ORIGINAL_ENVIRONMENT = dict(os.environ)

pytest_plugins = ["tests.pure"]


def pytest_configure(config: pytest.Config) -> None:
    from tests.pure import environment_without_databases, pure_session

    # Before any test module is collected: Airflow reads its configuration when first imported.
    if pure_session(config):
        os.environ.update(environment_without_databases())
    else:
        DevEnvironment("test").prepare()
    # Its fixtures' modules import Airflow.
    config.pluginmanager.import_plugin("tests.sync_world")


@pytest.fixture(scope="session")
def engine() -> Engine:
    from servicetitan_pipeline.db.engine import get_engine

    return get_engine()


@pytest.fixture
def clean_db(engine: Engine) -> Iterator[Engine]:
    """The project's tables, emptied after the test."""
    yield engine
    empty_project_tables(engine)


@pytest.fixture
def session(clean_db: Engine) -> Iterator[Session]:
    with sessionmaker(bind=clean_db, expire_on_commit=False)() as session:
        yield session
        session.rollback()


@pytest.fixture
def airflow_connections() -> Iterator[None]:
    """Removes the servicetitan_* Airflow connections tests create."""
    yield
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session

    with create_session() as db:
        db.query(Connection).filter(Connection.conn_type == "servicetitan").delete()


@pytest.fixture(scope="module")
def airflow_api() -> Iterator[TestClient]:
    """Airflow's own API server app (REST API, login, the project's plugin mounted in it), in this process."""
    from airflow.api_fastapi.app import create_app

    with TestClient(create_app()) as client:
        yield client


def api_token(client: TestClient) -> str:
    """A JWT for the local admin, from ``POST /auth/token`` as any API user gets one."""
    answer = client.post("/auth/token", json={"username": "admin", "password": "admin"})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["access_token"])


@pytest.fixture(scope="module")
def airflow_api_headers(airflow_api: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(airflow_api)}"}
