"""Hostile input, for probing a client: one record served with a named payload, or pages that are no JSON.

Unlike bad records (``bad_records.py``), which break the published schema as real data sometimes
does, these are written to break parsers: nesting thousands deep, bytes that are not UTF-8, a NUL, a
lone surrogate, a 5 MB string, numbers no 64-bit type holds, a repeated id. A payload is written into
the record's JSON bytes, since most of them no encoder would write. The record is the first of each
kind of record (index 0), on export pages; everything else on its page stays as it was.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import msgspec

HOSTILE_INDEX = 0
DEEP = 5_000  # levels: far past any recursion limit
HUGE_STRING_BYTES = 5_000_000


class HostileKind(StrEnum):
    DEEP_EXTRA = "deep_extra"  # an extra field: 5,000 nested arrays
    DEEP_FIELD = "deep_field"  # a modelled field (customer "address", invoice "customer") 5,000 objects deep
    NUL = "nul"  # a modelled text (customer "name", invoice "referenceNumber") holding \u0000
    RAW_CONTROL = "raw_control"  # an extra text holding a raw NUL byte (not valid JSON)
    INVALID_UTF8 = "invalid_utf8"  # an extra text holding the bytes 0xff 0xfe
    LONE_SURROGATE = "lone_surrogate"  # an extra text "\ud800"
    HUGE_STRING = "huge_string"  # an extra text of 5,000,000 bytes
    ID_BEYOND_INT64 = "id_beyond_int64"  # "id": 18446744073709551616
    NUMBER_OUT_OF_RANGE = "number_out_of_range"  # customer "balance" / invoice "total": 1e400
    WRONG_TYPE = "wrong_type"  # "active": "yes"
    DUPLICATE_ID = "duplicate_id"  # "id" again at the end, one higher
    BOM = "bom"  # a UTF-8 byte-order mark before the record

    @property
    def keeps_id(self) -> bool:
        """Whether a client can still name the record by its usable id (the last one, if repeated)."""
        return self is not HostileKind.ID_BEYOND_INT64


class MalformedPage(StrEnum):
    HTML = "html"  # status 200 with an HTML error page, as a proxy might answer
    TRUNCATED = "truncated"  # status 200, a complete response whose JSON stops half-way
    BOM = "bom"  # a UTF-8 byte-order mark before the page (RFC 8259: JSON texts must not have one)


# Per collection: (a modelled field that nests, a modelled text, a modelled number or money).
_FIELDS = {"customers": ("address", "name", "balance"), "invoices": ("customer", "referenceNumber", "total")}
HTML_PAGE = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
BOM = b"\xef\xbb\xbf"


def hostile_json(collection: str, record: dict[str, Any], kind: HostileKind) -> bytes:
    """The record's JSON with the payload ``kind``: its id stays its first key unless the payload is the id."""
    nested, text, number = _FIELDS[collection]
    record_id = record["id"]
    if kind is HostileKind.NUL:
        return msgspec.json.encode({**record, text: "cut\u0000here"})
    if kind is HostileKind.WRONG_TYPE:
        return msgspec.json.encode({**record, "active": "yes"})
    if kind is HostileKind.BOM:
        return BOM + msgspec.json.encode(record)
    if kind is HostileKind.ID_BEYOND_INT64:
        return b'{"id":18446744073709551616,' + msgspec.json.encode({**record, "id": None})[len(b'{"id":null,') :]
    replaced = {HostileKind.DEEP_FIELD: nested, HostileKind.NUMBER_OUT_OF_RANGE: number}.get(kind)
    body = msgspec.json.encode({key: value for key, value in record.items() if key != replaced})
    return body[:-1] + b"," + _payload(kind, nested, number, record_id) + b"}"


def malformed(body: bytes, kind: MalformedPage) -> bytes:
    if kind is MalformedPage.HTML:
        return HTML_PAGE
    if kind is MalformedPage.TRUNCATED:
        return body[: len(body) // 2]
    return BOM + body


def _payload(kind: HostileKind, nested: str, number: str, record_id: int) -> bytes:
    if kind is HostileKind.DEEP_EXTRA:
        return b'"probe":' + b"[" * DEEP + b"]" * DEEP
    if kind is HostileKind.DEEP_FIELD:
        return f'"{nested}":'.encode() + b'{"a":' * DEEP + b"1" + b"}" * DEEP
    if kind is HostileKind.RAW_CONTROL:
        return b'"probe":"cut\x00here"'
    if kind is HostileKind.INVALID_UTF8:
        return b'"probe":"caf\xff\xfe"'
    if kind is HostileKind.LONE_SURROGATE:
        return b'"probe":"half a pair: \\ud800"'
    if kind is HostileKind.HUGE_STRING:
        return b'"probe":"' + b"x" * HUGE_STRING_BYTES + b'"'
    if kind is HostileKind.NUMBER_OUT_OF_RANGE:
        return f'"{number}":1e400'.encode()
    if kind is HostileKind.DUPLICATE_ID:
        return b'"id":%d' % (record_id + 1)
    raise ValueError(f"{kind} is not written as an added field")
