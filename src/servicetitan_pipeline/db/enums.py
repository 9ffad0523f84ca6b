"""Allowed values of the enumerated columns; PostgreSQL enforces the same sets with CHECK constraints."""

from enum import StrEnum


class Environment(StrEnum):
    INTEGRATION = "integration"
    PRODUCTION = "production"


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


class SyncStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
