"""Loads pages into PostgreSQL: COPY into a staging table, one upsert, the page's checkpoint, its
entries in the sync's ledger of loaded records, its counts on the sync-log row and what it observed of
the source (records new, changed and unchanged and the newest modifiedOn on the sync's volume row, the
resource's profile, the fields of its raw records), in one transaction. A crash anywhere leaves either
the whole page, its checkpoint, its ledger rows, its counts and its observations, or none of them: a
sync-log row's counts and a volume row's are always what its attempt committed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from servicetitan_pipeline.anomalies.profiles import profile_page, sample
from servicetitan_pipeline.servicetitan.records import Record
from servicetitan_pipeline.sql_files import load_sql
from servicetitan_pipeline.sync.tables import TableSpec

# Distinct fields and types kept per credential and resource (servicetitan_source_fields).
MAX_SOURCE_FIELDS = 2000


class PageLoader:
    def __init__(
        self,
        connection: psycopg.Connection[Any],
        credential_id: uuid.UUID,
        sync_log_id: uuid.UUID,
        *,
        started_at: datetime,
        clock: Callable[[], datetime],
    ) -> None:
        """``started_at``: the sync's (its volume rows'); ``clock``: the sync's, for the observations' times."""
        self._conn = connection
        self._credential_id = str(credential_id)
        self._sync_log_id = str(sync_log_id)
        self._started_at = started_at
        self._clock = clock
        self._staged: set[str] = set()
        # Dates without a time zone are UTC, as ServiceTitan means them.
        self._conn.execute("SET TIME ZONE 'UTC'")
        self._conn.commit()

    def load(self, spec: TableSpec, records: list[Record], checkpoint: str | None, *, bad: int) -> int:
        """Upsert ``records`` (a page that also had ``bad`` records); returns how many rows changed."""
        with self._conn.transaction():
            new = changed = 0
            if records:
                self._ensure_stage(spec)
                columns = sql.SQL(", ").join(map(sql.Identifier, spec.column_names))
                copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(spec.stage_table), columns)
                with self._conn.cursor() as cursor:
                    with cursor.copy(copy_sql) as copy:
                        for record in records:
                            copy.write_row(spec.row(self._credential_id, record))
                    cursor.execute(load_sql(spec.upsert_sql))
                    inserted, updated = cursor.fetchone() or (0, 0)
                    new, changed = int(inserted), int(updated)
                    # What the data-quality validation of this sync reads (every record, duplicates too).
                    cursor.execute(
                        sql.SQL(load_sql("sync/insert_sync_loaded_records")).format(
                            stage=sql.Identifier(spec.stage_table)
                        ),
                        {"sync_log_id": self._sync_log_id, "resource": spec.resource.name},
                    )
                    cursor.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(spec.stage_table)))
            if checkpoint:
                self._conn.execute(
                    load_sql("sync/upsert_sync_checkpoint"),
                    {"credential_id": self._credential_id, "resource": spec.resource.name, "continue_from": checkpoint},
                )
            if records or bad:
                self._conn.execute(
                    load_sql("sync/add_sync_log_page_counts"),
                    {
                        "sync_log_id": self._sync_log_id,
                        "processed": len(records) + bad,
                        "successful": len(records),
                        "failed": bad,
                    },
                )
            if records:
                self._observe(spec, records, new, changed)
        return new + changed

    def complete(self, spec: TableSpec) -> None:
        """The resource's sync ended successfully: close its volume row (written now if no page came). One
        statement, committed on its own (the connection autocommits outside the pages' transactions)."""
        self._conn.execute(
            load_sql("anomalies/complete_sync_volume"),
            {
                "sync_log_id": self._sync_log_id,
                "resource": spec.resource.name,
                "credential_id": self._credential_id,
                "started_at": self._started_at,
                "completed_at": self._clock(),
            },
        )

    def _observe(self, spec: TableSpec, records: list[Record], new: int, changed: int) -> None:
        """The page's observations of the source, in its transaction (the caller's), in one statement."""
        profile = profile_page([record.raw for record in sample(records)])
        fields, json_types, occurrences = profile.rows()
        # The upsert keeps one row per id; the page's other distinct ids were delivered unchanged.
        distinct = len({record.fields.id for record in records})
        self._conn.execute(
            load_sql("anomalies/add_page_observations"),
            {
                "sync_log_id": self._sync_log_id,
                "resource": spec.resource.name,
                "credential_id": self._credential_id,
                "started_at": self._started_at,
                "new": new,
                "changed": changed,
                "unchanged": max(0, distinct - new - changed),
                "newest_modified_on": spec.newest_modified_on(records),
                "records_profiled": profile.records_profiled,
                "seen_at": self._clock(),
                "fields": fields,
                "json_types": json_types,
                "occurrences": occurrences,
                "max_fields": MAX_SOURCE_FIELDS,
            },
        )

    def checkpoint(self, spec: TableSpec) -> str | None:
        row = self._conn.execute(
            "SELECT continue_from FROM servicetitan_sync_checkpoints WHERE credential_id = %s AND resource = %s",
            (self._credential_id, spec.resource.name),
        ).fetchone()
        self._conn.commit()
        return str(row[0]) if row else None

    def _ensure_stage(self, spec: TableSpec) -> None:
        if spec.stage_table in self._staged:
            return
        self._conn.execute(
            sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS)").format(
                sql.Identifier(spec.stage_table), sql.Identifier(spec.table)
            )
        )
        self._staged.add(spec.stage_table)
