"""The fields of one page's raw records, for schema drift: which paths hold which JSON types, in how many records.

A path is a top-level key, a nested object's key after a dot (``address.city``), an array element's key after
``[]`` (``items[].skuId``), or ``[]`` alone for an array's scalar elements (``tagTypeIds[]``). A path and type is
counted once per record however many array elements hold it, so ``occurrences / records_profiled`` is the share
of records where it appears.

Cost is bounded whatever a record holds: a page profiles at most ``SAMPLE_PER_PAGE`` records (spread evenly over
it), each record's walk stops at ``MAX_DEPTH`` levels and looks at the first ``ARRAY_ITEMS`` elements of each
array (ServiceTitan's arrays are of one shape), and a page keeps at most ``MAX_FIELDS`` distinct paths and types.
The record was decoded into its model's struct only (the fields the project relies on); its other fields are read
here by decoding its JSON once, in C, and never encoding it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

# Hourly syncs bring pages of a few to a hundred records, all profiled; a full sync's 5,000-record pages are
# sampled, which still sees any field held by more than a few percent of the records. Walking an invoice costs
# 0.2 to 0.45 ms of Python: 100 a page cost about what building the page's 5,000 COPY rows does, about 1 % of
# loading the page.
SAMPLE_PER_PAGE = 100
MAX_DEPTH = 4
ARRAY_ITEMS = 2
MAX_FIELDS = 500
# The column's width (servicetitan_source_fields.field): a longer path is not a field a user would name.
MAX_PATH_LENGTH = 200

_decode = msgspec.json.Decoder().decode


@dataclass
class PageProfile:
    """``fields``: (path, JSON type) -> how many of the ``records_profiled`` records held it."""

    records_profiled: int = 0
    fields: dict[tuple[str, str], int] = field(default_factory=dict)

    def rows(self) -> tuple[list[str], list[str], list[int]]:
        """Paths, types and occurrences as three parallel lists (one statement's arrays), in a stable order."""
        ordered = sorted(self.fields.items())
        return [path for (path, _), _ in ordered], [kind for (_, kind), _ in ordered], [n for _, n in ordered]


def sample(records: Sequence[Any], limit: int = SAMPLE_PER_PAGE) -> Sequence[Any]:
    """At most ``limit`` of ``records``, evenly spread (deterministic: the same page gives the same sample)."""
    if len(records) <= limit:
        return records
    step = len(records) / limit
    return [records[int(i * step)] for i in range(limit)]


def profile_page(raw_records: Sequence[bytes], *, max_fields: int = MAX_FIELDS) -> PageProfile:
    """Profile ``raw_records`` (each a record's JSON as received; sample them first)."""
    profile = PageProfile()
    counts = profile.fields
    for raw in raw_records:
        try:
            record = _decode(raw)
        except (msgspec.DecodeError, RecursionError):  # loaded records decoded once already: not expected
            continue
        if not isinstance(record, dict):
            continue
        seen: set[tuple[str, str]] = set()
        _walk(record, "", 1, seen)
        profile.records_profiled += 1
        for key in seen:
            if key in counts:
                counts[key] += 1
            elif len(counts) < max_fields:
                counts[key] = 1
    return profile


# By exact type (a bool is not an int here); what msgspec decodes JSON into.
_JSON_TYPES: dict[type, str] = {
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    dict: "object",
    list: "array",
    type(None): "null",
}


def json_type(value: Any) -> str:
    return _JSON_TYPES[type(value)]


def _walk(value: dict[str, Any], prefix: str, depth: int, seen: set[tuple[str, str]]) -> None:
    types = _JSON_TYPES
    add = seen.add
    for key, item in value.items():
        path = prefix + key
        if len(path) > MAX_PATH_LENGTH:
            continue
        kind = types[type(item)]
        add((path, kind))
        if depth >= MAX_DEPTH:
            continue
        if kind == "object":
            _walk(item, path + ".", depth + 1, seen)
        elif kind == "array":
            _walk_items(item, path + "[]", depth + 1, seen)


def _walk_items(items: list[Any], path: str, depth: int, seen: set[tuple[str, str]]) -> None:
    for element in items[:ARRAY_ITEMS]:
        kind = json_type(element)
        if kind == "object":
            _walk(element, path + ".", depth, seen)
        elif kind == "array":
            seen.add((path, kind))
            if depth < MAX_DEPTH:
                _walk_items(element, path + "[]", depth + 1, seen)
        else:
            seen.add((path, kind))
