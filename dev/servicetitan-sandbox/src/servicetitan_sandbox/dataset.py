"""One tenant's data: its customers and invoices, how they change over time, and what the sandbox
reports about them.

Generation 0 is the tenant's history (``customers``/``invoices`` records over ``history_days`` up to
``history_end``). Each ``advance`` adds a generation for both kinds: new records, and changes to a
seeded choice of existing ones. The changes are stamped inside the advance call (a microsecond apart,
from the moment it starts), as a real server would stamp them, or from an explicit ``at`` for
reproducible runs.

Records break in two separate ways, per the fault profile, both fixed by (seed, kind, index): bad
records break the published schema (``bad_records.py``) and data-quality faults are well-formed but
wrong in business terms (``quality_faults.py``); the summary lists both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from servicetitan_sandbox.activity import KINDS, TICKS_PER_HOUR, hour_start, hourly_counts
from servicetitan_sandbox.bad_records import BadKind, BadRecords
from servicetitan_sandbox.collection import Activity, RecordCollection
from servicetitan_sandbox.config import FaultProfile, Scenario, TenantConfig
from servicetitan_sandbox.customers import CUSTOMER_ID_OFFSET, CustomerBuilder
from servicetitan_sandbox.export_feed import ExportTokens
from servicetitan_sandbox.hostile_records import HOSTILE_INDEX, HostileKind
from servicetitan_sandbox.invoices import INVOICE_ID_OFFSET, InvoiceBuilder
from servicetitan_sandbox.listing import ActiveFilter, ListQuery, count_matching
from servicetitan_sandbox.quality_faults import QualityFaults
from servicetitan_sandbox.record_ids import RecordIds
from servicetitan_sandbox.timeline import Timeline
from servicetitan_sandbox.timestamps import TICKS_PER_DAY, format_timestamp, now_ticks, ticks_from_datetime

CUSTOMERS = "customers"
INVOICES = "invoices"
# About 5 % of customers are inactive from the start (2 in every 40), 2 % of invoices (1 in 50).
CUSTOMER_ACTIVITY = Activity(block_size=40, per_block=2, deactivation_rate=0.03)
INVOICE_ACTIVITY = Activity(block_size=50, per_block=1, deactivation_rate=0.02)
# Versions created by one advance are this many ticks (1 µs) apart.
TICKS_BETWEEN_CHANGES = 10


@dataclass(frozen=True)
class Advance:
    new_customers: int = 0
    new_invoices: int = 0
    modified_customers: int = 0
    modified_invoices: int = 0
    at: int | None = None  # ticks; default: now


@dataclass(frozen=True)
class ActivityResult:
    """What ``advance_until`` applied: the hours from ``start`` to ``end`` and their records, per kind."""

    generation: int
    start: int  # ticks
    end: int  # ticks: activity is applied up to here
    hours: int
    counts: dict[str, int]


@dataclass(frozen=True)
class AdvanceResult:
    generation: int
    started_at: int  # ticks
    ended_at: int  # ticks: every change of the generation is stamped before this


class TenantDataset:
    def __init__(self, tenant: TenantConfig) -> None:
        self.tenant_id = tenant.tenant_id
        seed = tenant.data_seed
        history_end = ticks_from_datetime(tenant.history_end)
        history_start = history_end - tenant.history_days * TICKS_PER_DAY
        history = (history_start, history_end)
        faults = tenant.faults
        self.customers = _collection(
            CUSTOMERS, seed, tenant.customers, history, faults, CUSTOMER_ID_OFFSET, CUSTOMER_ACTIVITY, "balance"
        )
        self.invoices = _collection(
            INVOICES, seed, tenant.invoices, history, faults, INVOICE_ID_OFFSET, INVOICE_ACTIVITY, "total"
        )
        # References to a duplicate_id customer name the id it is served with, so that they still resolve.
        customer_faults = self.customers.quality_faults
        customer_faults.add_reference(("mergedToId",), customer_faults, self.customers.index_of)
        self.invoices.quality_faults.add_reference(("customer", "id"), customer_faults, self.customers.index_of)
        customer_builder = CustomerBuilder(seed, self.customers)
        self.customers.attach_builder(customer_builder)
        self.invoices.attach_builder(InvoiceBuilder(seed, self.customers, customer_builder))
        self.export_tokens = {name: ExportTokens(tenant.tenant_id, seed, name) for name in (CUSTOMERS, INVOICES)}
        self._seed = seed
        self.activity = tenant.activity
        # Shared with the collections, which apply the drift scenarios to the records they render.
        self.scenarios: list[Scenario] = list(tenant.scenarios)
        self.customers.scenarios = self.invoices.scenarios = self.scenarios
        self.activity_until = history_end

    def collection(self, name: str) -> RecordCollection:
        return {CUSTOMERS: self.customers, INVOICES: self.invoices}[name]

    @property
    def generation(self) -> int:
        return self.customers.timeline.latest.number

    def advance(self, change: Advance) -> AdvanceResult:
        """Append a generation; ValueError (nothing changed) if it asks for the impossible."""
        previous_end = max(self.customers.timeline.latest.window_end, self.invoices.timeline.latest.window_end)
        for count, collection in (
            (change.modified_customers, self.customers),
            (change.modified_invoices, self.invoices),
        ):
            if count > collection.size:
                raise ValueError(f"cannot modify {count} {collection.name}: only {collection.size} exist")
        if change.new_invoices and not (self.customers.size or change.new_customers):
            raise ValueError("new invoices need at least one customer")
        if change.at is not None and change.at < previous_end:
            raise ValueError(
                f"'at' must not be before the previous generation ended ({format_timestamp(previous_end)})"
            )
        start = change.at if change.at is not None else max(now_ticks(), previous_end)
        ends = [
            collection.append_generation(
                new_count, modified_count, start, start + max(new_count + modified_count, 1) * TICKS_BETWEEN_CHANGES
            )
            for collection, new_count, modified_count in (
                (self.customers, change.new_customers, change.modified_customers),
                (self.invoices, change.new_invoices, change.modified_invoices),
            )
        ]
        return AdvanceResult(generation=self.generation, started_at=start, ended_at=max(ends))

    def advance_until(self, until: int) -> ActivityResult:
        """Apply the tenant's hourly activity (and its scenarios) to every whole hour from where it stopped (the
        history's end, or after the last generation) up to ``until``: one generation per hour, its changes spread
        over the hour. Hours already applied are not applied again."""
        previous_end = max(self.customers.timeline.latest.window_end, self.invoices.timeline.latest.window_end)
        start = max(self.activity_until, hour_start(previous_end + TICKS_PER_HOUR - 1))
        totals = dict.fromkeys(KINDS, 0)
        hour = start
        while hour + TICKS_PER_HOUR <= until:
            counts = hourly_counts(self._seed, self.activity, self.scenarios, hour)
            if not (self.customers.size or counts["new_customers"]):
                counts["new_invoices"] = 0  # an invoice names a customer
            for collection, new_count, modified_count in (
                (self.customers, counts["new_customers"], counts["modified_customers"]),
                (self.invoices, counts["new_invoices"], counts["modified_invoices"]),
            ):
                modified_count = min(modified_count, collection.size)
                collection.append_generation(new_count, modified_count, hour, hour + TICKS_PER_HOUR)
                kind = collection.name
                totals[f"new_{kind}"] += new_count
                totals[f"modified_{kind}"] += modified_count
            hour += TICKS_PER_HOUR
        self.activity_until = max(self.activity_until, hour)
        return ActivityResult(self.generation, start, hour, (hour - start) // TICKS_PER_HOUR, totals)

    def add_scenario(self, scenario: Scenario) -> None:
        self.scenarios.append(scenario)

    def summary(self) -> dict[str, Any]:
        """What tests compare a sync with: counts, which records are bad, and which have quality faults."""
        customers_bad = self._bad_records(self.customers)
        invoices_bad = self._bad_records(self.invoices)
        customers_faulty = self._quality_faults(self.customers)
        invoices_faulty = self._quality_faults(self.invoices)
        return {
            "tenant_id": self.tenant_id,
            "generation": self.generation,
            "customers": self.customers.size,
            "active_customers": count_matching(self.customers, ListQuery(active=ActiveFilter.ACTIVE)),
            "invoices": self.invoices.size,
            "active_invoices": count_matching(self.invoices, ListQuery(active=ActiveFilter.ACTIVE)),
            "bad_records": {
                "count": customers_bad["count"] + invoices_bad["count"],
                CUSTOMERS: customers_bad,
                INVOICES: invoices_bad,
            },
            "quality_faults": {
                "count": customers_faulty["count"] + invoices_faulty["count"],
                CUSTOMERS: customers_faulty,
                INVOICES: invoices_faulty,
            },
            "hostile_record": self._hostile_record(),
        }

    def _hostile_record(self) -> dict[str, Any] | None:
        """The payload and, per kind of record, the id of the record carrying it (None if it has none)."""
        kind = self.customers.hostile
        if kind is None:
            return None
        named = {
            collection.name: collection.id_of(HOSTILE_INDEX) if collection.size and kind.keeps_id else None
            for collection in (self.customers, self.invoices)
        }
        if kind is HostileKind.DUPLICATE_ID:  # named by the id it repeats last
            named = {name: None if record_id is None else record_id + 1 for name, record_id in named.items()}
        return {"kind": kind.value, **named}

    @staticmethod
    def _bad_records(collection: RecordCollection) -> dict[str, Any]:
        found = collection.bad_records.among_first(collection.size)
        by_kind = {kind.value: sum(1 for _, k in found if k is kind) for kind in BadKind}
        return {
            "count": len(found),
            # Ids as served: records whose id is missing or not an integer cannot be named by it.
            "ids": [collection.id_of(index) for index, kind in found if kind.keeps_id],
            "without_usable_id": sum(1 for _, kind in found if not kind.keeps_id),
            "by_kind": by_kind,
        }

    @staticmethod
    def _quality_faults(collection: RecordCollection) -> dict[str, Any]:
        faults = collection.quality_faults
        found = faults.among_first(collection.size)
        return {
            "count": len(found),
            # Every kind that applies to the collection, enabled or not, so the shape never changes.
            "by_kind": {kind.value: sum(1 for _, k in found if k is kind) for kind in faults.applicable},
            # By index; ids as served (a duplicate_id record carries the id of the record before it).
            "records": [{"id": faults.served_id(index), "kind": kind.value} for index, kind in found],
        }


def _collection(
    name: str,
    seed: int,
    count: int,
    history: tuple[int, int],
    faults: FaultProfile,
    id_offset: int,
    activity: Activity,
    money_field: str,  # the field a "bad money" record breaks
) -> RecordCollection:
    key = (seed, name)
    ids = RecordIds(key, id_offset)
    bad_records = BadRecords(key, faults.bad_record_rate, money_field)
    return RecordCollection(
        name=name,
        key=key,
        timeline=Timeline(key, count, *history),
        ids=ids,
        activity=activity,
        bad_records=bad_records,
        quality_faults=QualityFaults(
            key, name, faults.quality_fault_rate, faults.quality_fault_kinds, bad_records, ids.id_of
        ),
        hostile=faults.hostile_record,
    )
