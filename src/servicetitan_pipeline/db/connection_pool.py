"""Plain psycopg connections for locks and COPY: opened one at a time per use, or reused from a bounded pool.

A sync uses two: one in autocommit that holds its advisory locks, and one for the load transactions. A task
that syncs many tenants at once shares a ``ConnectionPool``, so the database sees at most ``max_size``
connections from it whatever the number of tenants, and a tenant does not pay for a new connection.
(psycopg_pool is not among the dependencies; this is the little of it that is needed.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

import psycopg
from psycopg import pq


class Connections(Protocol):
    def connection(self, *, autocommit: bool) -> AbstractContextManager[psycopg.Connection[Any]]:
        """A connection for the ``with`` block: committed when it ends, rolled back when it raises."""


class DirectConnections:
    """A new connection per use, closed after it (one sync on its own)."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo

    @contextmanager
    def connection(self, *, autocommit: bool) -> Iterator[psycopg.Connection[Any]]:
        with psycopg.connect(self._conninfo, autocommit=autocommit) as conn:
            yield conn


class PoolTimeout(RuntimeError):
    """No connection came free in time."""


class ConnectionPool:
    """At most ``max_size`` connections, opened as needed and kept for the next user.

    A connection goes back clean: its transaction rolled back if one is open, and every advisory lock its
    user forgot released, so the next user never inherits another tenant's locks. A broken one is dropped.
    """

    def __init__(self, conninfo: str, max_size: int, *, timeout_seconds: float = 300.0) -> None:
        if max_size < 1:
            raise ValueError(f"a pool needs at least one connection, not {max_size}")
        self._conninfo = conninfo
        self.max_size = max_size
        self._timeout = timeout_seconds
        self._idle: list[psycopg.Connection[Any]] = []
        self._open = 0
        self.peak_open = 0
        self._changed = threading.Condition()

    @contextmanager
    def connection(self, *, autocommit: bool) -> Iterator[psycopg.Connection[Any]]:
        conn = self._take()
        try:
            conn.autocommit = autocommit
            yield conn
            if not conn.autocommit and not conn.closed:
                conn.commit()
        finally:
            self._give_back(conn)

    def close(self) -> None:
        with self._changed:
            idle, self._idle = self._idle, []
            self._open -= len(idle)
        for conn in idle:
            conn.close()

    def __enter__(self) -> ConnectionPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _take(self) -> psycopg.Connection[Any]:
        with self._changed:
            if not self._changed.wait_for(lambda: self._idle or self._open < self.max_size, self._timeout):
                raise PoolTimeout(f"no database connection came free in {self._timeout:.0f} s ({self.max_size} in use)")
            if self._idle:
                return self._idle.pop()
            self._open += 1
            self.peak_open = max(self.peak_open, self._open)
        try:
            return psycopg.connect(self._conninfo)
        except BaseException:
            self._forget()
            raise

    def _give_back(self, conn: psycopg.Connection[Any]) -> None:
        try:
            if not conn.closed:
                if conn.info.transaction_status != pq.TransactionStatus.IDLE:
                    conn.rollback()
                conn.autocommit = True
                conn.execute("SELECT pg_advisory_unlock_all()")
        except psycopg.Error:
            conn.close()
        if conn.closed or conn.broken:
            self._forget()
            return
        with self._changed:
            self._idle.append(conn)
            self._changed.notify()

    def _forget(self) -> None:
        with self._changed:
            self._open -= 1
            self._changed.notify()
