"""Engines and sessions for the project's PostgreSQL, located by the Airflow connection ``servicetitan_db``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import sqlalchemy as sa
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session, sessionmaker

from servicetitan_pipeline import connection_ids
from servicetitan_pipeline.airflow_connections import get_airflow_connection

POSTGRES_CONN_TYPES = {"postgres", "postgresql"}


class DatabaseConfigError(RuntimeError):
    """The ``servicetitan_db`` connection is missing or not a PostgreSQL connection."""


def database_url(conn_id: str = connection_ids.SERVICETITAN_DB) -> URL:
    """The SQLAlchemy URL (psycopg 3 driver) of the PostgreSQL behind an Airflow connection."""
    try:
        conn = get_airflow_connection(conn_id)
    except Exception as exc:
        raise DatabaseConfigError(
            f"Airflow connection {conn_id!r} is not defined: set AIRFLOW_CONN_{conn_id.upper()} "
            "(e.g. postgresql://user:password@host:5432/dbname) or add it in Admin > Connections"
        ) from exc
    if conn.conn_type not in POSTGRES_CONN_TYPES:
        raise DatabaseConfigError(f"Airflow connection {conn_id!r} has type {conn.conn_type!r}; it must be postgres")
    query = {key: str(value) for key, value in (conn.extra_dejson or {}).items() if key in _LIBPQ_OPTIONS}
    return URL.create(
        "postgresql+psycopg",
        username=conn.login or None,
        password=conn.password or None,
        host=conn.host or None,
        port=conn.port or None,
        database=conn.schema or None,
        query=query,
    )


# Connection extras that are libpq options and so belong in the URL.
_LIBPQ_OPTIONS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name", "options"}


def psycopg_conninfo(bind: Engine | URL) -> str:
    """The libpq connection string of ``bind``'s database, for ``psycopg.connect`` (locks, COPY, plain SQL).

    It holds the password: pass it to psycopg and nowhere else, never to a log or a message. It is in key=value
    form, each value quoted, because libpq's parse errors quote a malformed URI whole, password included; the
    errors of a key=value string that connects badly name the host, port, user and database only.
    """
    url = bind.url if isinstance(bind, Engine) else bind
    params: dict[str, str | int | None] = {
        "host": url.host,
        "port": url.port,
        "dbname": url.database,
        "user": url.username,
        "password": url.password,
    }
    # The URL's query holds libpq options (sslmode, or host for a Unix socket directory); like a URI's, they win.
    params.update((key, value if isinstance(value, str) else value[-1]) for key, value in url.query.items())
    return make_conninfo("", **params)


@lru_cache(maxsize=8)
def _engine_for(url: URL) -> Engine:
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def get_engine(conn_id: str = connection_ids.SERVICETITAN_DB) -> Engine:
    """One pooled engine per database per process."""
    return _engine_for(database_url(conn_id))


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    factory = sessionmaker(bind=engine or get_engine(), expire_on_commit=False)
    with factory() as session, session.begin():
        yield session
