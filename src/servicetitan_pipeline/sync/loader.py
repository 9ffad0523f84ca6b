"""Loads pages into PostgreSQL: COPY into a staging table, one upsert, the page's checkpoint, its
entries in the sync's ledger of loaded records and its counts on the sync-log row, in one transaction.
A crash anywhere leaves either the whole page, its checkpoint, its ledger rows and its counts, or none
of them: a sync-log row's counts are always what its attempt committed."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg import sql

from servicetitan_pipeline.servicetitan.records import Record
from servicetitan_pipeline.sql_files import load_sql
from servicetitan_pipeline.sync.tables import TableSpec


class PageLoader:
    def __init__(self, connection: psycopg.Connection[Any], credential_id: uuid.UUID, sync_log_id: uuid.UUID) -> None:
        self._conn = connection
        self._credential_id = str(credential_id)
        self._sync_log_id = str(sync_log_id)
        self._staged: set[str] = set()
        # Dates without a time zone are UTC, as ServiceTitan means them.
        self._conn.execute("SET TIME ZONE 'UTC'")
        self._conn.commit()

    def load(self, spec: TableSpec, records: list[Record], checkpoint: str | None, *, bad: int) -> int:
        """Upsert ``records`` (a page that also had ``bad`` records); returns how many rows changed."""
        with self._conn.transaction():
            changed = 0
            if records:
                self._ensure_stage(spec)
                columns = sql.SQL(", ").join(map(sql.Identifier, spec.column_names))
                copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(spec.stage_table), columns)
                with self._conn.cursor() as cursor:
                    with cursor.copy(copy_sql) as copy:
                        for record in records:
                            copy.write_row(spec.row(self._credential_id, record))
                    cursor.execute(load_sql(spec.upsert_sql))
                    changed = cursor.rowcount
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
        return changed

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
