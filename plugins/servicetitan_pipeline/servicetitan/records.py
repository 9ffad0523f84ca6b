"""Record models: the fields this project relies on, and a cheap check of each record against them.

Records do not always match the published schema (missing or extra fields, dates without a time
zone). A record that breaks a field we rely on is a bad record: counted and described, never fatal.
Extra fields are fine; a date without a time zone is read as UTC, as ServiceTitan means it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

_MONEY = re.compile(r"^-?\d+(\.\d+)?$")


def _is_int64(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def _is_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class FieldKind(Enum):
    INT64 = ("an int64", _is_int64)
    STRING = ("a string", lambda value: isinstance(value, str))
    BOOL = ("a boolean", lambda value: isinstance(value, bool))
    DATETIME = ("an ISO 8601 date-time", _is_datetime)
    MONEY = ("money as a decimal string", lambda value: isinstance(value, str) and bool(_MONEY.match(value)))
    NUMBER = ("a number", _is_number)
    REFERENCE = ("an object with an int64 id", lambda value: isinstance(value, dict) and _is_int64(value.get("id")))

    def __init__(self, description: str, accepts: Callable[[Any], bool]) -> None:
        self.description = description
        self.accepts = accepts


@dataclass(frozen=True)
class Field:
    name: str
    kind: FieldKind
    required: bool = True  # present and not null
    # Nullable fields may be absent or null, but when present must be of their kind.


@dataclass(frozen=True)
class RecordModel:
    name: str
    fields: tuple[Field, ...]

    def problems(self, record: Any) -> list[str]:
        """What is wrong with ``record``, one phrase per field; empty when it is usable."""
        if not isinstance(record, Mapping):
            return [f"record is {type(record).__name__}, not an object"]
        found: list[str] = []
        for spec in self.fields:
            value = record.get(spec.name)
            if value is None:
                if spec.required:
                    found.append(f"{spec.name} is missing")
            elif not spec.kind.accepts(value):
                found.append(f"{spec.name} is not {spec.kind.description}: {_preview(value)}")
        return found


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True)
class BadRecord:
    """A record that broke its model: kept out of the load, counted, and described in the sync log."""

    resource: str
    record_id: Any
    problems: list[str] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        return {"resource": self.resource, "id": self.record_id, "problems": self.problems}


CUSTOMER = RecordModel(
    "customer",
    (
        Field("id", FieldKind.INT64),
        Field("name", FieldKind.STRING),
        Field("active", FieldKind.BOOL),
        Field("modifiedOn", FieldKind.DATETIME),
        Field("createdOn", FieldKind.DATETIME, required=False),
        Field("type", FieldKind.STRING, required=False),
        Field("balance", FieldKind.NUMBER, required=False),
        Field("mergedToId", FieldKind.INT64, required=False),
    ),
)

INVOICE = RecordModel(
    "invoice",
    (
        Field("id", FieldKind.INT64),
        Field("active", FieldKind.BOOL),
        Field("createdOn", FieldKind.DATETIME),
        Field("modifiedOn", FieldKind.DATETIME, required=False),
        Field("invoiceDate", FieldKind.DATETIME, required=False),
        Field("dueDate", FieldKind.DATETIME, required=False),
        Field("subTotal", FieldKind.MONEY, required=False),
        Field("salesTax", FieldKind.MONEY, required=False),
        Field("total", FieldKind.MONEY, required=False),
        Field("balance", FieldKind.MONEY, required=False),
        Field("customer", FieldKind.REFERENCE, required=False),
    ),
)
