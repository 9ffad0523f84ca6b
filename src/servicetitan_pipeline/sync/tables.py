"""Where each resource lands: its table, staging table, upsert SQL, and how a record becomes a row.

Typed columns hold what users query, read from the record's checked fields (its model's struct, see
``servicetitan.records``); ``raw`` keeps the record as received, its JSON text passed through untouched
rather than encoded again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from servicetitan_pipeline.servicetitan.records import Record
from servicetitan_pipeline.servicetitan.resources import CUSTOMERS, INVOICES, Resource

RowValue = str | int | float | bool | datetime | None
Extractor = Callable[[Any], RowValue]


def _nested(outer: str, key: str) -> Extractor:
    get_outer = attrgetter(outer)

    def extract(fields: Any) -> RowValue:
        value = get_outer(fields)
        return None if value is None else getattr(value, key)  # type: ignore[no-any-return]

    return extract


def _modified_on(fields: Any) -> RowValue:
    # modifiedOn may be null on invoices; creation is then the last change.
    return fields.modifiedOn or fields.createdOn  # type: ignore[no-any-return]


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

    def newest_modified_on(self, records: list[Record]) -> datetime | None:
        """The newest last change among ``records`` (the ``modified_on`` column's reading), as UTC."""
        extract = dict(self.columns)["modified_on"]
        newest: datetime | None = None
        for record in records:
            value = extract(record.fields)
            if isinstance(value, datetime):
                if value.tzinfo is None:  # a date without a time zone is UTC, as ServiceTitan means it
                    value = value.replace(tzinfo=UTC)
                if newest is None or value > newest:
                    newest = value
        return newest

    def row(self, credential_id: str, record: Record) -> tuple[RowValue, ...]:
        fields = record.fields
        return (credential_id, *(extract(fields) for _, extract in self.columns), record.json_text)


CUSTOMER_TABLE = TableSpec(
    resource=CUSTOMERS,
    table="servicetitan_customers",
    upsert_sql="sync/upsert_customers",
    columns=(
        ("id", attrgetter("id")),
        ("name", attrgetter("name")),
        ("customer_type", attrgetter("type")),
        ("active", attrgetter("active")),
        ("balance", attrgetter("balance")),
        ("merged_to_id", attrgetter("mergedToId")),
        ("city", _nested("address", "city")),
        ("state", _nested("address", "state")),
        ("zip", _nested("address", "zip")),
        ("created_on", attrgetter("createdOn")),
        ("modified_on", _modified_on),
    ),
)

INVOICE_TABLE = TableSpec(
    resource=INVOICES,
    table="servicetitan_invoices",
    upsert_sql="sync/upsert_invoices",
    columns=(
        ("id", attrgetter("id")),
        ("customer_id", _nested("customer", "id")),
        ("reference_number", attrgetter("referenceNumber")),
        ("active", attrgetter("active")),
        ("invoice_date", attrgetter("invoiceDate")),
        ("due_date", attrgetter("dueDate")),
        ("sub_total", attrgetter("subTotal")),
        ("sales_tax", attrgetter("salesTax")),
        ("total", attrgetter("total")),
        ("balance", attrgetter("balance")),
        ("created_on", attrgetter("createdOn")),
        ("modified_on", _modified_on),
    ),
)

TABLES = {spec.resource.name: spec for spec in (CUSTOMER_TABLE, INVOICE_TABLE)}
