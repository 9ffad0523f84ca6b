"""What each suite validates: the rows some syncs loaded, read in bounded chunks.

Each data type is declared, not coded: its suite, the SQL that shapes a sync's rows for it, and the
fields whose completeness the dashboard shows. Small syncs are validated together (``group_syncs``):
a suite run costs about a second however few rows it gets, so one per sync would make the validation
of thousands of tenants' hourly syncs take hours.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg

from servicetitan_pipeline.sql_files import load_sql

if TYPE_CHECKING:
    import pandas as pd

# Rows per validation: bounds memory (about 60 MB of DataFrame) whatever the size of a sync.
DEFAULT_CHUNK_ROWS = 100_000
# Syncs per validation: each holds an advisory lock while its group is validated, and a data-docs page
# names the syncs it holds.
MAX_SYNCS_PER_GROUP = 250


@dataclass(frozen=True)
class QualityBatch:
    data_type: str  # also the resource name in the ledger of loaded records
    suite_name: str  # expectations/<suite_name>.json
    # include/sql/<select_sql>.sql: parameter sync_log_ids; columns sync_log_id and id first, ordered by both
    select_sql: str
    completeness_fields: tuple[str, ...]
    datetime_columns: tuple[str, ...] = ()


CUSTOMER_BATCH = QualityBatch(
    data_type="customers",
    suite_name="servicetitan_customers",
    select_sql="data_quality/select_data_quality_batch_customers",
    completeness_fields=("name", "street", "city", "state", "zip"),
)

INVOICE_BATCH = QualityBatch(
    data_type="invoices",
    suite_name="servicetitan_invoices",
    select_sql="data_quality/select_data_quality_batch_invoices",
    completeness_fields=("customer_id", "invoice_date", "due_date", "total"),
    datetime_columns=("invoice_date", "due_date"),
)

BATCHES = {batch.data_type: batch for batch in (CUSTOMER_BATCH, INVOICE_BATCH)}


def group_syncs(records: Sequence[int], *, max_rows: int, max_syncs: int) -> list[range]:
    """Cut syncs (their record counts, in order) into consecutive groups of at most ``max_syncs`` syncs and,
    unless a single sync is bigger, ``max_rows`` records; returns each group's positions."""
    groups: list[range] = []
    start, rows = 0, 0
    for position, count in enumerate(records):
        if position > start and (position - start >= max_syncs or rows + count > max_rows):
            groups.append(range(start, position))
            start, rows = position, 0
        rows += count
    if start < len(records):
        groups.append(range(start, len(records)))
    return groups


def read_chunks(
    conn: psycopg.Connection[Any],
    batch: QualityBatch,
    sync_log_ids: Sequence[uuid.UUID],
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Iterator[pd.DataFrame]:
    """The syncs' rows as DataFrames of about ``chunk_rows`` rows. Rows of one sync sharing an id always land
    in the same chunk, so uniqueness is judged over the whole sync."""
    import pandas as pd

    # A server-side cursor is planned for its first rows by default; all of them are read here.
    conn.execute("SET LOCAL cursor_tuple_fraction = 1.0")
    with conn.cursor(name=f"dq_{batch.data_type}_{sync_log_ids[0].hex}") as cursor:
        cursor.execute(load_sql(batch.select_sql), {"sync_log_ids": list(sync_log_ids)})
        columns = [column.name for column in cursor.description or ()]
        carried: list[tuple[Any, ...]] = []
        while True:
            rows = carried + cursor.fetchmany(max(chunk_rows - len(carried), 1))
            if not rows:
                return
            # Rows of one sync and id stay together: read on while the next row repeats the last (sync, id).
            following = cursor.fetchone()
            while following is not None and following[:2] == rows[-1][:2]:
                rows.append(following)
                following = cursor.fetchone()
            carried = [following] if following is not None else []
            yield _frame(pd, rows, columns, batch)


def _frame(pd: Any, rows: list[tuple[Any, ...]], columns: list[str], batch: QualityBatch) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=columns)
    for column in batch.datetime_columns:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame
