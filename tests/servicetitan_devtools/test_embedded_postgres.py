"""The embedded PostgreSQL starts once, is reused, and says clearly when its port is taken."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from servicetitan_devtools.embedded_postgres import EmbeddedPostgres, EmbeddedPostgresError


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    pg = EmbeddedPostgres(tmp_path / "pg", port=free_port())
    yield pg
    pg.stop()


def test_start_create_database_and_reuse(server: EmbeddedPostgres) -> None:
    assert not server.is_running()
    server.start()
    assert server.is_running()
    assert server.create_database("demo_db") is True
    assert server.create_database("demo_db") is False
    server.start()  # already running: a no-op
    with psycopg.connect(server.url("demo_db")) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("demo_db",)


def test_data_survives_restart(server: EmbeddedPostgres) -> None:
    server.start()
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (value int)")
        conn.execute("INSERT INTO kept VALUES (7)")
    server.stop()
    assert not server.is_running()
    server.start()
    with psycopg.connect(server.url()) as conn:
        assert conn.execute("SELECT value FROM kept").fetchone() == (7,)


def test_port_taken_by_another_program(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        pg = EmbeddedPostgres(tmp_path / "pg", port=port)
        with pytest.raises(EmbeddedPostgresError, match=f"port {port} .* is taken by another program"):
            pg.start()
