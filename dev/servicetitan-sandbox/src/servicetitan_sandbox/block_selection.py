"""A deterministic subset of record indices that can be counted without enumerating it.

Used for the records that are inactive when created. Indices are cut into blocks of ``block_size``;
each block marks exactly ``per_block`` of its slots, chosen by a seeded draw. So membership is O(1),
and "how many marked indices below x" is O(per_block): what the list endpoints need to find page 900
of the active customers without walking through pages 1 to 899.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from servicetitan_sandbox.randomness import sample_distinct


class BlockSelection:
    def __init__(self, key: tuple[object, ...], block_size: int, per_block: int) -> None:
        if not 0 <= per_block <= block_size:
            raise ValueError("per_block must be between 0 and block_size")
        self._key = key
        self.block_size = block_size
        self.per_block = per_block
        # Keyed by block number only; a page touches a handful of blocks.
        self._slots = lru_cache(maxsize=256)(self._marked_slots)

    def _marked_slots(self, block: int) -> frozenset[int]:
        return frozenset(sample_distinct(self.block_size, self.per_block, *self._key, "block", block))

    def __contains__(self, index: int) -> bool:
        block, slot = divmod(index, self.block_size)
        return slot in self._slots(block)

    def count_below(self, limit: int) -> int:
        """Number of marked indices in ``range(limit)``."""
        if limit <= 0:
            return 0
        block, slot = divmod(limit, self.block_size)
        partial = sum(1 for marked in self._slots(block) if marked < slot) if slot else 0
        return block * self.per_block + partial

    def count_between(self, start: int, stop: int) -> int:
        """Number of marked indices in ``range(start, stop)``."""
        return max(0, self.count_below(stop) - self.count_below(start))

    def members_from(self, start: int) -> Iterator[int]:
        """Marked indices from ``start`` on, ascending (endless: the caller stops)."""
        block, slot = divmod(max(start, 0), self.block_size)
        if not self.per_block:
            return
        while True:
            for marked in sorted(self._slots(block)):
                if marked >= slot:
                    yield block * self.block_size + marked
            block, slot = block + 1, 0
