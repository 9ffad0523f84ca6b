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

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from functools import cache, cached_property
from typing import Annotated, Any, Optional

import msgspec

from servicetitan_pipeline.servicetitan.json_structure import container_items, nesting_depth, object_member

Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
# ASCII digits only: PostgreSQL's numeric would refuse other Unicode digits, which ``\d`` accepts.
Money = Annotated[str, msgspec.Meta(pattern=r"^-?[0-9]+(\.[0-9]+)?$")]


# A record is a few KB (an invoice with its line items about 6 KB): 1 MiB leaves room for hundreds of
# items, and bounds what one record costs to decode, describe and store, whatever a page holds.
MAX_RECORD_BYTES = 2**20
# Records nest 4 or 5 levels. msgspec recurses once per level, and its only stop is the interpreter's
# recursion limit, reached at a depth that depends on the caller's stack: a fixed bound, checked first,
# makes a deeply nested record a bad record at the same depth everywhere.
MAX_NESTING_DEPTH = 64
_NOT_OPENERS = bytes(byte for byte in range(256) if byte not in b"[{")

# PostgreSQL can store no NUL character, in text or in jsonb: one would make the whole page's COPY fail.
_NUL_ESCAPE = b"\\u0000"
_NUL_PROBLEM = "a text holds a NUL character (\\u0000), which PostgreSQL cannot store"
# A high surrogate escape not followed by a low one, or a low one not preceded by a high one.
_LONE_SURROGATE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<![0-9a-fA-F]{2}\\u[dD][89abAB])\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
# msgspec's words for a byte JSON does not allow where it stands (a raw control character, a BOM...).
_INVALID_CHARACTER = re.compile(r"invalid character \(byte ([0-9]+)\)")
_LONE_SURROGATE_PROBLEM = (
    "a text holds a UTF-16 surrogate escape (such as \\ud800) that is not half of a pair: not a Unicode "
    "character, which PostgreSQL's jsonb cannot store"
)


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
        """Decode each record as received: the usable ones, and the bad ones described. Whatever a
        record's bytes, it is one or the other: nothing about one record can fail the others."""
        decode = self._decoder.decode
        head = b'{"' + primary_key.encode() + b'":'
        after_head = len(head)
        good: list[Record] = []
        bad: list[BadRecord] = []
        for raw in raw_records:
            text = bytes(raw)
            # Counting openers bounds the depth from above in one pass in C; only records with more
            # openers than the bound (large ones) are measured exactly.
            if len(text) > MAX_RECORD_BYTES or len(text.translate(None, _NOT_OPENERS)) > MAX_NESTING_DEPTH:
                too_big = _size_or_depth_problem(text)
                if too_big is not None:
                    bad.append(BadRecord(resource, _leading_id(text, primary_key), [too_big]))
                    continue
            try:
                fields = decode(text)
            except Exception as refused:  # whatever stops one record's decoding is that record's fault
                bad.append(self._bad_record(resource, primary_key, text, refused))
                continue
            record_id = getattr(fields, primary_key)
            # The common case costs a memchr, an ASCII scan and one anchored match: the helpers are
            # called only for records with escapes, non-ASCII bytes, or their id not first.
            problem = None
            if not text.isascii() or b"\\" in text:
                problem = _unstorable(text)
            # Its first key is the id, as ServiceTitan writes records, and agrees with the (last) id
            # msgspec kept: a repeat in between could not change which record this is.
            if problem is None and not (
                text.startswith(head) and text[after_head : text.find(b",", after_head)] == b"%d" % record_id
            ):
                problem = _ambiguous_key(text, primary_key, record_id)
            if problem is not None:
                bad.append(BadRecord(resource, record_id, [problem]))
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

    def _bad_record(self, resource: str, primary_key: str, text: bytes, refused: Exception) -> BadRecord:
        try:
            record = msgspec.json.decode(text)
        except Exception:  # not JSON this project can read at all: the struct's error says where
            return BadRecord(resource, _leading_id(text, primary_key), [_decoding_problem(text, refused)])
        record_id = _usable_id(record.get(primary_key)) if isinstance(record, dict) else None
        # The struct and the field checks use the same types; msgspec's own message is only a fallback.
        return BadRecord(resource, record_id, self.problems(record) or [_decoding_problem(text, refused)])


def _struct_field(spec: Field) -> tuple[str, Any] | tuple[str, Any, None]:
    if spec.required:
        return (spec.name, spec.kind.value_type)
    return (spec.name, Optional[spec.kind.value_type], None)  # noqa: UP045 (a type built at run time)


def _size_or_depth_problem(text: bytes) -> str | None:
    if len(text) > MAX_RECORD_BYTES:
        return f"the record is {len(text):,} bytes, over the limit of {MAX_RECORD_BYTES:,}; it was not decoded"
    if nesting_depth(text, MAX_NESTING_DEPTH) > MAX_NESTING_DEPTH:
        return f"the record nests deeper than {MAX_NESTING_DEPTH} levels of arrays and objects; it was not decoded"
    return None


def _decoding_problem(text: bytes, error: Exception) -> str:
    """What stopped the decoding of a record, in words."""
    if isinstance(error, UnicodeDecodeError):
        return _invalid_utf8(text)
    if _LONE_SURROGATE.search(text):  # which msgspec reports as "truncated"
        return _LONE_SURROGATE_PROBLEM
    if isinstance(error, RecursionError):
        return "the record nests too deeply to decode"
    invalid = _INVALID_CHARACTER.search(str(error))
    if invalid and int(invalid.group(1)) < len(text):
        offset = int(invalid.group(1))
        return f"not valid JSON: byte 0x{text[offset]:02x} at offset {offset} of the record is not allowed there"
    return f"not valid JSON: {error}"


def _unstorable(text: bytes) -> str | None:
    """Why PostgreSQL could not store the JSON text of a record msgspec decoded, if it could not (msgspec
    refuses lone surrogates itself, but reads neither the UTF-8 nor the escapes of fields it skips)."""
    if not text.isascii():
        try:
            text.decode()
        except UnicodeDecodeError:
            return _invalid_utf8(text)
    if _NUL_ESCAPE in text:
        try:
            holds_nul = _holds_nul(msgspec.json.decode(text))
        except (ValueError, RecursionError):
            holds_nul = True  # cannot tell an escaped backslash from a NUL: not stored rather than failing COPY
        if holds_nul:
            return _NUL_PROBLEM
    return None


def _invalid_utf8(text: bytes) -> str:
    try:
        text.decode()
    except UnicodeDecodeError as error:
        return f"a text is not valid UTF-8 (byte 0x{text[error.start]:02x} at offset {error.start} of the record)"
    return "a text is not valid UTF-8"


@cache
def _leading_key(primary_key: str) -> re.Pattern[bytes]:
    # A byte-order mark before the record makes it invalid JSON, but leaves its id readable.
    return re.compile(
        rb'(?:\xef\xbb\xbf)?\s*\{\s*"' + re.escape(primary_key.encode()) + rb'"\s*:\s*(-?[0-9]{1,19})\s*[,}]'
    )


def _leading_id(text: bytes, primary_key: str) -> int | str | None:
    """The record's id when it is the record's first key (as ServiceTitan writes them), without decoding."""
    found = _leading_key(primary_key).match(text)
    return _usable_id(int(found.group(1))) if found else None


def _ambiguous_key(text: bytes, primary_key: str, record_id: int) -> str | None:
    """A problem if the record names its primary key twice with different values. msgspec, like
    PostgreSQL's jsonb, keeps the last of repeated keys, but a reader keeping the first would file the
    record under another id. Repeats of other keys are left as the last one (both agree)."""
    if _leading_id(text, primary_key) == record_id:
        return None  # its first key is the id, with the value decoded: first and last agree
    values: list[Any] = []
    try:
        members, _ = container_items(text, text.index(b"{"))
        for member in members:
            key, (start, end) = object_member(text, member)
            if msgspec.json.decode(key) == primary_key:
                values.append(msgspec.json.decode(text[start:end]))
    except ValueError:  # StructureError included
        return None  # msgspec decoded the record: its structure is sound
    if len(values) > 1 and values[0] != values[-1]:
        return (
            f"{primary_key} appears {len(values)} times, first as {_preview(values[0])} and last as "
            f"{_preview(values[-1])}: which record this is is ambiguous"
        )
    return None


def _usable_id(value: Any) -> int | str | None:
    """An id fit to name a record in the sync log (stored as jsonb): an int64, or a short printable text."""
    if isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
        return value
    if isinstance(value, str) and len(value) <= 40 and value.isprintable():
        return value
    return None


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _preview(value: Any) -> str:
    try:
        text = repr(value)
    except ValueError:  # an integer too long for Python to print
        return f"an integer of {value.bit_length()} bits"
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
