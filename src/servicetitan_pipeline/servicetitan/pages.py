"""A page's body split into its top-level values and its records, each record still undecoded.

The whole page is first decoded by msgspec in C (the path every healthy page takes). If that fails,
the page may still be sound with one record that msgspec cannot read (nested thousands deep, a raw
control character in a string, a lone surrogate escape...): its structure is then read without
recursion (``json_structure``) and the records are handed on one by one, so that the bad one becomes
a bad record and the rest of the page loads. Only a body whose structure itself is broken (not JSON,
cut short, a byte-order mark before it) is a page fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from servicetitan_pipeline.servicetitan.json_structure import (
    JSON_WHITESPACE,
    container_items,
    object_member,
)

_PAGE_KEYS = msgspec.json.Decoder(dict[str, msgspec.Raw])
_RECORD_LIST = msgspec.json.Decoder(list[msgspec.Raw])
_KEY = msgspec.json.Decoder(str)
RECORDS_KEY = "data"
_BYTE_ORDER_MARK = b"\xef\xbb\xbf"
# How much of a body that is not a page an error message shows.
PREVIEW_CHARACTERS = 80


class PageNotJSON(ValueError):
    """The body is not a JSON object: not JSON at all, cut short, or broken in its structure."""


class PageNotObject(ValueError):
    """The body is JSON, but not an object."""


@dataclass(frozen=True)
class PageParts:
    fields: dict[str, Any]  # every top-level value but the records, decoded (small: paging and cursors)
    records: list[msgspec.Raw] | None  # None when the page has no list of records


def split_page(body: bytes) -> PageParts:
    """The page's values and its records, undecoded; PageNotJSON or PageNotObject when it is no page."""
    try:
        keys = _PAGE_KEYS.decode(body)
    except msgspec.ValidationError:
        raise PageNotObject("the body is JSON but not an object") from None
    except (ValueError, RecursionError):  # msgspec.DecodeError, UnicodeDecodeError (a key)
        return _split_by_structure(body)
    data = keys.pop(RECORDS_KEY, None)
    try:
        records = None if data is None else _RECORD_LIST.decode(data)
    except msgspec.ValidationError:
        records = None
    return PageParts(_decoded_fields(keys), records)


def preview(body: bytes, secrets: tuple[str, ...] = ()) -> str:
    """The start of ``body`` as printable text, for an error message: control characters and invalid
    UTF-8 escaped, and ``secrets`` masked (a proxy's error page may echo a request header)."""
    longest = max((len(secret.encode()) for secret in secrets), default=0)
    text = body[: 4 * PREVIEW_CHARACTERS + longest].decode("utf-8", errors="backslashreplace")
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    shown = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
    return shown[:PREVIEW_CHARACTERS] + ("..." if len(shown) > PREVIEW_CHARACTERS or len(body) > len(text) else "")


def _split_by_structure(body: bytes) -> PageParts:
    start = 0
    while start < len(body) and body[start] in JSON_WHITESPACE:
        start += 1
    if body.startswith(_BYTE_ORDER_MARK):
        raise PageNotJSON("the body starts with a byte-order mark, which a JSON text must not have (RFC 8259)")
    if start >= len(body) or body[start] != ord("{"):
        raise PageNotJSON("the body does not start with a JSON object")
    try:
        members, end = container_items(body, start)
        keys: dict[str, msgspec.Raw] = {}
        records: list[msgspec.Raw] | None = None
        record_list_end: int | None = None
        for member in members:
            key_token, (value_start, value_end) = object_member(body, member)
            key = _KEY.decode(key_token)
            if key != RECORDS_KEY:
                keys[key] = msgspec.Raw(body[value_start:value_end])
            elif body[value_start] == ord("["):
                spans, record_list_end = container_items(body, value_start)
                if record_list_end != value_end:
                    break
                records = [msgspec.Raw(body[item_start:item_end]) for item_start, item_end in spans]
    except ValueError as broken:  # StructureError, msgspec.DecodeError, UnicodeDecodeError
        raise PageNotJSON(f"its structure is broken ({broken})") from None
    if record_list_end is not None and records is None:
        raise PageNotJSON("its structure is broken (the record list is followed by something else)")
    if body[end:].strip(JSON_WHITESPACE):
        raise PageNotJSON("the body goes on after its JSON object")
    return PageParts(_decoded_fields(keys), records)


def _decoded_fields(keys: dict[str, msgspec.Raw]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in keys.items():
        try:
            fields[key] = msgspec.json.decode(value)
        except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
            raise PageNotJSON(f"its top-level value {key[:40]!r} cannot be read") from None
    return fields
