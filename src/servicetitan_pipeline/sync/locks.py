"""At most one running sync per credential and resource, held by PostgreSQL advisory locks.

A lock belongs to a database session: when a worker dies, its connection drops and its locks go
with it. So a lock that is free while a sync-log row says 'running' proves that row's worker is gone.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import psycopg


class SyncLocks:
    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._conn = connection  # autocommit: session-level locks, held until released or disconnected
        self._held: list[str] = []

    @staticmethod
    def key(credential_id: uuid.UUID, resource: str) -> str:
        return f"servicetitan_sync:{credential_id}:{resource}"

    def try_acquire(self, credential_id: uuid.UUID, resources: Sequence[str]) -> list[str]:
        """Take every resource's lock, or none; returns the resources that are busy."""
        busy: list[str] = []
        taken: list[str] = []
        for resource in resources:
            key = self.key(credential_id, resource)
            row = self._conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s::text, 0))", (key,)).fetchone()
            if row and row[0]:
                taken.append(key)
            else:
                busy.append(resource)
        if busy:
            for key in taken:
                self._release(key)
        else:
            self._held.extend(taken)
        return busy

    def release_all(self) -> None:
        while self._held:
            self._release(self._held.pop())

    def _release(self, key: str) -> None:
        self._conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s::text, 0))", (key,))
