"""Where each resource lands: its table, staging table, upsert SQL, and how a record becomes a row.

Typed columns hold what users query; ``raw`` keeps the record as received. Money arrives as decimal
strings and dates as ISO text; both go to PostgreSQL as text and are parsed there, once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from servicetitan_pipeline.servicetitan.resources import CUSTOMERS, INVOICES, Resource

RowValue = str | int | bool | None
Extractor = Callable[[dict[str, Any]], RowValue]


def _get(key: str) -> Extractor:
    return lambda record: record.get(key)


def _nested(outer: str, key: str) -> Extractor:
    def extract(record: dict[str, Any]) -> RowValue:
        value = record.get(outer)
        return value.get(key) if isinstance(value, dict) else None

    return extract


def _text(key: str) -> Extractor:
    def extract(record: dict[str, Any]) -> RowValue:
        value = record.get(key)
        return None if value is None else str(value)

    return extract


def _modified_on(record: dict[str, Any]) -> RowValue:
    # modifiedOn may be null on invoices; creation is then the last change.
    value = record.get("modifiedOn") or record.get("createdOn")
    return None if value is None else str(value)


@dataclass(frozen=True)
class TableSpec:
    resource: Resource
    table: str
    upsert_sql: str  # name of the include/sql file
    columns: tuple[tuple[str, Extractor], ...]

    @property
    def stage_table(self) -> str:
        return f"stage_{self.table}"

    @property
    def column_names(self) -> list[str]:
        return ["credential_id", *(name for name, _ in self.columns), "raw"]

    def row(self, credential_id: str, record: dict[str, Any]) -> tuple[RowValue, ...]:
        # msgspec writes the record back as JSON several times faster than json.dumps.
        return (credential_id, *(extract(record) for _, extract in self.columns), msgspec.json.encode(record).decode())


CUSTOMER_TABLE = TableSpec(
    resource=CUSTOMERS,
    table="servicetitan_customers",
    upsert_sql="upsert_customers",
    columns=(
        ("id", _get("id")),
        ("name", _get("name")),
        ("customer_type", _text("type")),
        ("active", _get("active")),
        ("balance", _text("balance")),
        ("merged_to_id", _get("mergedToId")),
        ("city", _nested("address", "city")),
        ("state", _nested("address", "state")),
        ("zip", _nested("address", "zip")),
        ("created_on", _get("createdOn")),
        ("modified_on", _modified_on),
    ),
)

INVOICE_TABLE = TableSpec(
    resource=INVOICES,
    table="servicetitan_invoices",
    upsert_sql="upsert_invoices",
    columns=(
        ("id", _get("id")),
        ("customer_id", _nested("customer", "id")),
        ("reference_number", _get("referenceNumber")),
        ("active", _get("active")),
        ("invoice_date", _get("invoiceDate")),
        ("due_date", _get("dueDate")),
        ("sub_total", _get("subTotal")),
        ("sales_tax", _get("salesTax")),
        ("total", _get("total")),
        ("balance", _get("balance")),
        ("created_on", _get("createdOn")),
        ("modified_on", _modified_on),
    ),
)

TABLES = {spec.resource.name: spec for spec in (CUSTOMER_TABLE, INVOICE_TABLE)}
