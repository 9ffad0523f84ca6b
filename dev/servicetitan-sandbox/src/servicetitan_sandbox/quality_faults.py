"""Records that are well-formed but wrong in business terms: data-quality faults.

Unlike bad records (``bad_records.py``), these pass the client's structural check
(``servicetitan.records``), get loaded, and are left for the data-quality suites to catch: a
duplicated id, a customer type or invoice sync status outside the known ones, a blank name or
address, money with a third decimal, a total that is not subTotal + salesTax, a due date before the
invoice date, an invoice naming no customer of the tenant or none at all, a missing invoice date,
due date or total (the specs make ``customer``, ``dueDate`` and ``total`` nullable). (``unknown_type``
breaks the OpenAPI enum of customer types: schema drift, which is what that suite checks.)

Each record is clean, bad, or has exactly one quality fault: bad records win. Which records are
faulty, and how, depends only on (seed, kind of record, index), so the same records carry the same
fault on every call and in every version, and ``GET /sandbox/tenants/{tenant}/summary`` lists them
(``quality_faults``) for a test to compare with what its suites flagged.

A duplicate_id record repeats the id of the record before it, which must be loaded under its own
id: when that one is bad or was itself drawn as a duplicate (and at index 0), the record gets
another of the enabled kinds instead, or none. References to a duplicate_id customer (an invoice's
``customer.id``, a customer's ``mergedToId``) name the id it is served with, so that only
unknown_customer invoices name no customer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from servicetitan_sandbox.bad_records import BadRecords
from servicetitan_sandbox.randomness import below, unit

# The collections' names (as in dataset.py, which imports this module).
CUSTOMERS = "customers"
INVOICES = "invoices"
UNKNOWN_CUSTOMER_TYPE = "Industrial"
UNKNOWN_SYNC_STATUS = "Archived"
# ``customer.id`` of an unknown_customer invoice: this plus the invoice's index. Customer ids are
# 10,000,000 + 3 * index + (0..2), so no tenant of fewer than ~29 million customers has such an id.
UNKNOWN_CUSTOMER_ID_OFFSET = 99_000_000
DUE_BEFORE_INVOICE_DAYS = 3
TOTAL_MISMATCH = Decimal("1.00")


class QualityKind(StrEnum):
    DUPLICATE_ID = "duplicate_id"  # served with the id of the record just before it (index - 1)
    UNKNOWN_TYPE = "unknown_type"  # customer "type": "Industrial"
    BLANK_NAME = "blank_name"  # customer "name": ""
    MISSING_ADDRESS = "missing_address"  # customer address street, city, state and zip ""
    UNKNOWN_SYNC_STATUS = "unknown_sync_status"  # invoice "syncStatus": "Archived"
    # Invoice subTotal, salesTax, total and balance with a third decimal: "12.50" -> "12.505". Each
    # rounds up by half a cent, so the total still matches subTotal + salesTax within a cent.
    SUB_CENT_MONEY = "sub_cent_money"
    TOTAL_MISMATCH = "total_mismatch"  # invoice total = subTotal + salesTax + 1.00
    DUE_BEFORE_INVOICE = "due_before_invoice"  # invoice dueDate 3 days before invoiceDate
    UNKNOWN_CUSTOMER = "unknown_customer"  # invoice customer.id names no customer of the tenant
    MISSING_INVOICE_DATE = "missing_invoice_date"  # invoice "invoiceDate": null
    MISSING_CUSTOMER = "missing_customer"  # invoice "customer": null
    MISSING_DUE_DATE = "missing_due_date"  # invoice "dueDate": null
    MISSING_TOTAL = "missing_total"  # invoice "total": null

    @property
    def applies_to(self) -> frozenset[str]:
        """The collections whose records can have this fault."""
        return _APPLIES_TO[self]


_APPLIES_TO = {
    QualityKind.DUPLICATE_ID: frozenset({CUSTOMERS, INVOICES}),
    QualityKind.UNKNOWN_TYPE: frozenset({CUSTOMERS}),
    QualityKind.BLANK_NAME: frozenset({CUSTOMERS}),
    QualityKind.MISSING_ADDRESS: frozenset({CUSTOMERS}),
    QualityKind.UNKNOWN_SYNC_STATUS: frozenset({INVOICES}),
    QualityKind.SUB_CENT_MONEY: frozenset({INVOICES}),
    QualityKind.TOTAL_MISMATCH: frozenset({INVOICES}),
    QualityKind.DUE_BEFORE_INVOICE: frozenset({INVOICES}),
    QualityKind.UNKNOWN_CUSTOMER: frozenset({INVOICES}),
    QualityKind.MISSING_INVOICE_DATE: frozenset({INVOICES}),
    QualityKind.MISSING_CUSTOMER: frozenset({INVOICES}),
    QualityKind.MISSING_DUE_DATE: frozenset({INVOICES}),
    QualityKind.MISSING_TOTAL: frozenset({INVOICES}),
}
_MONEY_FIELDS = ("subTotal", "salesTax", "total", "balance")
# The faults that only empty one field, and its name.
_NULLED_FIELD = {
    QualityKind.MISSING_INVOICE_DATE: "invoiceDate",
    QualityKind.MISSING_CUSTOMER: "customer",
    QualityKind.MISSING_DUE_DATE: "dueDate",
    QualityKind.MISSING_TOTAL: "total",
}
QUALITY_KIND_NAMES = tuple(kind.value for kind in QualityKind)


def kinds_for(collection: str, enabled: Iterable[QualityKind] = QualityKind) -> tuple[QualityKind, ...]:
    """The enabled kinds that apply to ``collection``, in declaration order (whatever the config's)."""
    chosen = set(enabled)
    return tuple(kind for kind in QualityKind if kind in chosen and collection in kind.applies_to)


@dataclass(frozen=True)
class _Reference:
    """A field naming a record of ``target``, whose duplicate_id records are served under another id."""

    path: tuple[str, ...]
    target: QualityFaults
    index_of: Callable[[int], int | None]


class QualityFaults:
    """The data-quality faults of one kind of record in one tenant."""

    def __init__(
        self,
        key: tuple[object, ...],
        collection: str,
        rate: float,
        enabled: Iterable[QualityKind],
        bad_records: BadRecords,
        id_of: Callable[[int], int],
    ) -> None:
        self._key = key
        self.collection = collection
        self.rate = rate
        self.kinds = kinds_for(collection, enabled)
        self._kinds_but_duplicate = tuple(kind for kind in self.kinds if kind is not QualityKind.DUPLICATE_ID)
        self._bad_records = bad_records
        self._id_of = id_of
        self._references: list[_Reference] = []
        # Found by scanning, once per index; kept as the faulty ones only (a small share of the total).
        self._scanned_up_to = 0
        self._found: list[tuple[int, QualityKind]] = []

    @property
    def may_duplicate_ids(self) -> bool:
        """Whether any record can be served with another's id (if not, references need no following)."""
        return bool(self.rate) and QualityKind.DUPLICATE_ID in self.kinds

    @property
    def applicable(self) -> tuple[QualityKind, ...]:
        """Every kind that applies to this collection, enabled or not (the summary counts each)."""
        return kinds_for(self.collection)

    def add_reference(
        self, path: tuple[str, ...], target: QualityFaults, index_of: Callable[[int], int | None]
    ) -> None:
        """Make ``path`` (such as ``("customer", "id")``) follow the id ``target`` serves: a reference to
        a duplicate_id record names the id that record is served with, so it stays resolvable."""
        self._references.append(_Reference(path, target, index_of))

    def kind_of(self, index: int) -> QualityKind | None:
        if not self.rate or not self.kinds or self._bad_records.kind_of(index) is not None:
            return None
        if unit(*self._key, "quality", index) >= self.rate:
            return None
        kind = self._drawn_kind(index)
        if kind is QualityKind.DUPLICATE_ID and not self._may_duplicate(index):
            if not self._kinds_but_duplicate:
                return None
            kind = self._kinds_but_duplicate[
                below(len(self._kinds_but_duplicate), *self._key, "quality kind, no duplicate", index)
            ]
        return kind

    def served_id(self, index: int) -> int:
        """The id record ``index`` is served with, unless it is a bad record."""
        return self._id_of(index - 1 if self.kind_of(index) is QualityKind.DUPLICATE_ID else index)

    def apply(self, record: dict[str, Any], index: int) -> dict[str, Any]:
        """A correct (not bad) record as served: references followed, then spoiled if it is faulty."""
        for reference in self._references:
            if reference.target.may_duplicate_ids:
                _follow(record, reference)
        kind = self.kind_of(index)
        return self.spoil(record, kind, index) if kind else record

    def spoil(self, record: dict[str, Any], kind: QualityKind, index: int) -> dict[str, Any]:
        """The record as served when it has the fault ``kind``."""
        if kind is QualityKind.DUPLICATE_ID:
            record["id"] = self._id_of(index - 1)
        elif kind is QualityKind.UNKNOWN_TYPE:
            record["type"] = UNKNOWN_CUSTOMER_TYPE
        elif kind is QualityKind.BLANK_NAME:
            record["name"] = ""
        elif kind is QualityKind.MISSING_ADDRESS:
            record["address"] = {**record["address"], "street": "", "city": "", "state": "", "zip": ""}
        elif kind is QualityKind.UNKNOWN_SYNC_STATUS:
            record["syncStatus"] = UNKNOWN_SYNC_STATUS
        elif kind is QualityKind.SUB_CENT_MONEY:
            for money in _MONEY_FIELDS:
                record[money] = f"{record[money]}5"
        elif kind is QualityKind.TOTAL_MISMATCH:
            total = Decimal(record["subTotal"]) + Decimal(record["salesTax"]) + TOTAL_MISMATCH
            record["total"] = f"{total:.2f}"
        elif kind is QualityKind.DUE_BEFORE_INVOICE:
            invoice_date = datetime.fromisoformat(record["invoiceDate"])
            due = invoice_date - timedelta(days=DUE_BEFORE_INVOICE_DAYS)
            record["dueDate"] = due.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif kind is QualityKind.UNKNOWN_CUSTOMER:
            record["customer"] = {**record["customer"], "id": UNKNOWN_CUSTOMER_ID_OFFSET + index}
        else:
            record[_NULLED_FIELD[kind]] = None
        return record

    def among_first(self, count: int) -> list[tuple[int, QualityKind]]:
        """(index, kind) of every faulty record among indices ``0..count-1``, ascending."""
        if self.rate and self.kinds:
            for index in range(self._scanned_up_to, count):
                kind = self.kind_of(index)
                if kind is not None:
                    self._found.append((index, kind))
            self._scanned_up_to = max(self._scanned_up_to, count)
        return [(index, kind) for index, kind in self._found if index < count]

    def _drawn_kind(self, index: int) -> QualityKind:
        return self.kinds[below(len(self.kinds), *self._key, "quality kind", index)]

    def _may_duplicate(self, index: int) -> bool:
        """Whether record ``index - 1`` is loaded under its own id, so that a copy of that id is a real
        duplicate: it exists, is not bad (bad records are not loaded), and was not itself drawn as a
        duplicate (checked on the draw, not the final kind, so that deciding stays O(1))."""
        previous = index - 1
        if previous < 0 or self._bad_records.kind_of(previous) is not None:
            return False
        drawn_faulty = unit(*self._key, "quality", previous) < self.rate
        return not (drawn_faulty and self._drawn_kind(previous) is QualityKind.DUPLICATE_ID)


def _follow(record: dict[str, Any], reference: _Reference) -> None:
    holder: Any = record
    for part in reference.path[:-1]:
        holder = holder.get(part) if isinstance(holder, dict) else None
    if not isinstance(holder, dict):
        return
    named = holder.get(reference.path[-1])
    if not isinstance(named, int):
        return
    index = reference.index_of(named)
    if index is not None and reference.target.kind_of(index) is QualityKind.DUPLICATE_ID:
        holder[reference.path[-1]] = reference.target.served_id(index)
