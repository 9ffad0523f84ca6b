"""Record models: the fields this project relies on, checked as each record is decoded.

Records do not always match the published schema (missing or extra fields, dates without a time
zone). A record that breaks a field we rely on is a bad record: counted and described, never fatal.
Extra fields are fine; a date without a time zone is read as UTC, as ServiceTitan means it.

A model is declared once, as fields of known kinds. From that declaration come a msgspec struct that
checks and decodes a record in one pass in C (the path every record takes, so per-record Python work
stays small), and a field-by-field description of a record the struct refused (bad records only).
Both judge each field with the same msgspec type, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from functools import cached_property
from typing import Annotated, Any, Optional

import msgspec

Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
# ASCII digits only: PostgreSQL's numeric would refuse other Unicode digits, which ``\d`` accepts.
Money = Annotated[str, msgspec.Meta(pattern=r"^-?[0-9]+(\.[0-9]+)?$")]


# PostgreSQL can store no NUL character, in text or in jsonb: one would make the whole page's COPY fail.
_NUL_ESCAPE = b"\\u0000"
_NUL_PROBLEM = "a text holds a NUL character (\\u0000), which PostgreSQL cannot store"


class Reference(msgspec.Struct, gc=False):
    """A named reference (``{"id": 42, "name": ...}``): only the id is relied on."""

    id: Int64


class Address(msgspec.Struct, gc=False):
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None


class FieldKind(Enum):
    INT64 = ("an int64", Int64)
    STRING = ("a string", str)
    BOOL = ("a boolean", bool)
    DATETIME = ("an RFC 3339 date-time", datetime)
    MONEY = ("money as a decimal string", Money)
    NUMBER = ("a number", int | float)
    REFERENCE = ("an object with an int64 id", Reference)
    ADDRESS = ("an address of strings", Address)

    def __init__(self, description: str, value_type: Any) -> None:
        self.description = description
        self.value_type = value_type

    def accepts(self, value: Any) -> bool:
        try:
            msgspec.convert(value, self.value_type)
        except msgspec.ValidationError:
            return False
        return True


@dataclass(frozen=True)
class Field:
    name: str
    kind: FieldKind
    required: bool = True  # present and not null
    # Nullable fields may be absent or null, but when present must be of their kind.


@dataclass(frozen=True, slots=True)
class Record:
    """A usable record: its checked fields (the model's struct) and the record as received (JSON)."""

    fields: Any
    raw: bytes

    @property
    def json_text(self) -> str:
        return self.raw.decode()

    def as_dict(self) -> dict[str, Any]:
        return msgspec.json.decode(self.raw)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class BadRecord:
    """A record that broke its model: kept out of the load, counted, and described in the sync log."""

    resource: str
    record_id: Any
    problems: list[str] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        return {"resource": self.resource, "id": self.record_id, "problems": self.problems}


@dataclass(frozen=True)
class RecordModel:
    name: str
    fields: tuple[Field, ...]

    @cached_property
    def struct(self) -> type[msgspec.Struct]:
        """The fields as a msgspec struct: decoding a record into it is the check."""
        return msgspec.defstruct(
            f"{self.name.title()}Fields",
            [_struct_field(spec) for spec in self.fields],
            kw_only=True,
            gc=False,  # scalars and acyclic structs only: nothing for the garbage collector to scan
        )

    @cached_property
    def _decoder(self) -> msgspec.json.Decoder[Any]:
        return msgspec.json.Decoder(self.struct)

    def split(
        self, resource: str, primary_key: str, raw_records: Iterable[msgspec.Raw]
    ) -> tuple[list[Record], list[BadRecord]]:
        """Decode each record as received: the usable ones, and the bad ones described."""
        decode = self._decoder.decode
        good: list[Record] = []
        bad: list[BadRecord] = []
        for raw in raw_records:
            try:
                fields = decode(raw)
            except msgspec.ValidationError as refused:
                bad.append(self._bad_record(resource, primary_key, raw, refused))
                continue
            text = bytes(raw)
            if _NUL_ESCAPE in text and _holds_nul(msgspec.json.decode(text)):
                bad.append(BadRecord(resource, getattr(fields, primary_key), [_NUL_PROBLEM]))
                continue
            good.append(Record(fields, text))
        return good, bad

    def problems(self, record: Any) -> list[str]:
        """What is wrong with ``record`` (decoded JSON), one phrase per field; empty when it is usable."""
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

    def _bad_record(
        self, resource: str, primary_key: str, raw: msgspec.Raw, refused: msgspec.ValidationError
    ) -> BadRecord:
        record = msgspec.json.decode(raw)
        record_id = record.get(primary_key) if isinstance(record, dict) else None
        # The struct and the field checks use the same types; msgspec's own message is only a fallback.
        return BadRecord(resource, record_id, self.problems(record) or [str(refused)])


def _struct_field(spec: Field) -> tuple[str, Any] | tuple[str, Any, None]:
    if spec.required:
        return (spec.name, spec.kind.value_type)
    return (spec.name, Optional[spec.kind.value_type], None)  # noqa: UP045 (a type built at run time)


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


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
        Field("address", FieldKind.ADDRESS, required=False),
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
        Field("referenceNumber", FieldKind.STRING, required=False),
    ),
)
