"""The bounded pool of psycopg connections a batch of tenants shares."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy.engine import Engine

from servicetitan_pipeline.db.connection_pool import ConnectionPool, PoolTimeout
from servicetitan_pipeline.db.engine import psycopg_conninfo


def test_connections_are_reused_and_bounded(engine: Engine) -> None:
    with ConnectionPool(psycopg_conninfo(engine), max_size=3) as pool:
        in_use = 0
        most = 0
        lock = threading.Lock()

        def use() -> None:
            nonlocal in_use, most
            with pool.connection(autocommit=True) as conn:
                with lock:
                    in_use += 1
                    most = max(most, in_use)
                conn.execute("SELECT pg_sleep(0.02)")
                with lock:
                    in_use -= 1

        threads = [threading.Thread(target=use) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert most <= 3
        assert pool.peak_open <= 3


def test_a_connection_goes_back_without_its_locks_or_transaction(engine: Engine) -> None:
    with ConnectionPool(psycopg_conninfo(engine), max_size=1) as pool:
        with pool.connection(autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(4242)")  # forgotten by its user
            pid = conn.info.backend_pid

        def fail_mid_transaction() -> None:
            with pool.connection(autocommit=False) as conn:
                conn.execute("SELECT 1")
                raise RuntimeError("a load failed mid-transaction")

        with pytest.raises(RuntimeError):
            fail_mid_transaction()
        with pool.connection(autocommit=True) as conn:
            assert conn.info.backend_pid == pid  # the same connection, reused
            held = conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = %s", (pid,))
            assert held.fetchone() == (0,)


def test_a_broken_connection_is_dropped(engine: Engine) -> None:
    with ConnectionPool(psycopg_conninfo(engine), max_size=1) as pool:
        with pool.connection(autocommit=True) as conn:
            conn.close()
        with pool.connection(autocommit=True) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)


def test_waiting_too_long_for_a_connection_says_so(engine: Engine) -> None:
    pool = ConnectionPool(psycopg_conninfo(engine), max_size=1, timeout_seconds=0.05)
    with pool, pool.connection(autocommit=True):
        started = time.monotonic()
        with pytest.raises(PoolTimeout, match="no database connection came free"):
            pool.connection(autocommit=True).__enter__()
        assert time.monotonic() - started < 1
