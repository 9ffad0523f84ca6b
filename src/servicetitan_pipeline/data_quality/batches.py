"""What each suite validates: the rows one sync loaded, read in bounded chunks.

Each data type is declared, not coded: its suite, the SQL that shapes a sync's rows for it, and the
fields whose completeness the dashboard shows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg

from servicetitan_pipeline.sql_files import load_sql

if TYPE_CHECKING:
    import pandas as pd

# Rows per validation: bounds memory (about 60 MB of DataFrame) whatever the size of a sync.
DEFAULT_CHUNK_ROWS = 100_000


@dataclass(frozen=True)
class QualityBatch:
    data_type: str  # also the resource name in the ledger of loaded records
    suite_name: str  # expectations/<suite_name>.json
    select_sql: str  # include/sql/<select_sql>.sql, parameter sync_log_id, ordered by id
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


def read_chunks(
    conn: psycopg.Connection[Any],
    batch: QualityBatch,
    sync_log_id: uuid.UUID,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Iterator[pd.DataFrame]:
    """The sync's rows as DataFrames of about ``chunk_rows`` rows. Rows sharing an id always land in
    the same chunk, so uniqueness is judged over the whole sync."""
    import pandas as pd

    # A server-side cursor is planned for its first rows by default; all of them are read here.
    conn.execute("SET LOCAL cursor_tuple_fraction = 1.0")
    with conn.cursor(name=f"dq_{batch.data_type}_{sync_log_id.hex}") as cursor:
        cursor.execute(load_sql(batch.select_sql), {"sync_log_id": sync_log_id})
        columns = [column.name for column in cursor.description or ()]
        carried: list[tuple[Any, ...]] = []
        while True:
            rows = carried + cursor.fetchmany(max(chunk_rows - len(carried), 1))
            if not rows:
                return
            # Rows of one id stay together: read on while the next row repeats the last id.
            following = cursor.fetchone()
            while following is not None and following[0] == rows[-1][0]:
                rows.append(following)
                following = cursor.fetchone()
            carried = [following] if following is not None else []
            yield _frame(pd, rows, columns, batch)


def _frame(pd: Any, rows: list[tuple[Any, ...]], columns: list[str], batch: QualityBatch) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=columns)
    for column in batch.datetime_columns:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame
