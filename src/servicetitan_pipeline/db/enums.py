"""Allowed values of the enumerated columns; PostgreSQL enforces the same sets with CHECK constraints."""

from __future__ import annotations

from enum import StrEnum


class ConnectionStatus(StrEnum):
    PENDING = "pending"
    CONNECTED = "connected"
    ERROR = "error"
    DISABLED = "disabled"


class SyncType(StrEnum):
    MANUAL = "manual"
    SCHEDULED = "scheduled"


class DataType(StrEnum):
    INVOICES = "invoices"
    CUSTOMERS = "customers"
    BOTH = "both"

    @property
    def resources(self) -> tuple[str, ...]:
        """The ServiceTitan resources (``servicetitan.resources.RESOURCES``) a sync of this type fetches, in
        load order."""
        return RESOURCES_FOR[self]

    @property
    def overlapping(self) -> list[DataType]:
        """The data types whose syncs share a resource with this one's: one of them still 'running' blocks it."""
        return [other for other in DataType if set(other.resources) & set(self.resources)]


# The one map from data type to resources; locks, overlap and load order all derive from it.
RESOURCES_FOR: dict[DataType, tuple[str, ...]] = {
    DataType.CUSTOMERS: ("customers",),
    DataType.INVOICES: ("invoices",),
    DataType.BOTH: ("customers", "invoices"),  # customers first: invoices reference them
}


class SyncStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
