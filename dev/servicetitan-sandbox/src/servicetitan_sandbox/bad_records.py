"""Records that break the published schema, as real ServiceTitan data sometimes does.

Which records are bad, and how, depends only on (seed, kind of record, index): the same records are
bad on every call and in every version, so a test can compare what a client flagged with the list
the sandbox reports (``GET /sandbox/tenants/{tenant}/summary``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from servicetitan_sandbox.randomness import below, unit


class BadKind(StrEnum):
    MISSING_ID = "missing_id"  # no "id" at all
    ID_NOT_INTEGER = "id_not_integer"  # "id": "abc"
    BAD_TIMESTAMP = "bad_timestamp"  # "modifiedOn": "yesterday"
    BAD_MONEY = "bad_money"  # a money field "12,5O" (comma, letter O)

    @property
    def keeps_id(self) -> bool:
        """Whether the served record still carries its integer id (so a client can name it)."""
        return self in (BadKind.BAD_TIMESTAMP, BadKind.BAD_MONEY)


BAD_MONEY = "12,5O"
BAD_TIMESTAMP = "yesterday"
NOT_AN_ID = "abc"
_KINDS = tuple(BadKind)


class BadRecords:
    """The bad records of one kind of record in one tenant."""

    def __init__(self, key: tuple[object, ...], rate: float, money_field: str) -> None:
        self._key = key
        self.rate = rate
        self._money_field = money_field
        # Found by scanning, once per index; kept as the bad ones only (a small share of the total).
        self._scanned_up_to = 0
        self._found: list[tuple[int, BadKind]] = []

    def kind_of(self, index: int) -> BadKind | None:
        if not self.rate or unit(*self._key, "bad", index) >= self.rate:
            return None
        return _KINDS[below(len(_KINDS), *self._key, "bad kind", index)]

    def spoil(self, record: dict[str, Any], kind: BadKind) -> dict[str, Any]:
        """The record as served when it is bad."""
        if kind is BadKind.MISSING_ID:
            del record["id"]
        elif kind is BadKind.ID_NOT_INTEGER:
            record["id"] = NOT_AN_ID
        elif kind is BadKind.BAD_TIMESTAMP:
            record["modifiedOn"] = BAD_TIMESTAMP
        else:
            record[self._money_field] = BAD_MONEY
        return record

    def among_first(self, count: int) -> list[tuple[int, BadKind]]:
        """(index, kind) of every bad record among indices ``0..count-1``, ascending."""
        if self.rate:
            for index in range(self._scanned_up_to, count):
                kind = self.kind_of(index)
                if kind is not None:
                    self._found.append((index, kind))
            self._scanned_up_to = max(self._scanned_up_to, count)
        return [(index, kind) for index, kind in self._found if index < count]
