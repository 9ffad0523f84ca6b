"""Record ids from record indices, and back.

ServiceTitan ids are large, grow with creation time and have gaps (ids are shared by many kinds of
records). ``offset + 3 * index + (0, 1 or 2)`` has all three properties and is inverted by a division.
"""

from __future__ import annotations

from servicetitan_sandbox.randomness import below

_STRIDE = 3


class RecordIds:
    def __init__(self, key: tuple[object, ...], offset: int) -> None:
        self._key = key
        self._offset = offset

    def id_of(self, index: int) -> int:
        return self._offset + _STRIDE * index + below(_STRIDE, *self._key, "id", index)

    def index_of(self, record_id: int, size: int) -> int | None:
        """The index of ``record_id`` among ``size`` records, or None if no record has that id."""
        index = (record_id - self._offset) // _STRIDE
        if 0 <= index < size and self.id_of(index) == record_id:
            return index
        return None
