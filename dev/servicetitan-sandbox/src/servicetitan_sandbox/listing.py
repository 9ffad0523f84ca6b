"""The list endpoints' query: filters, ``sort``, ``page``/``pageSize`` and ``totalCount``.

Matching records are counted, not enumerated, so that page 900 costs what page 1 costs. Records never
changed since creation ("unchanged") have creation and first-modification times that grow with their
index, so each date filter is an index range found by bisection, and the inactive ones are counted
per block. The few records changed later are checked one by one: the unchanged ones that match are
counted arithmetically, the changed ones that match are kept in a sorted list, and the page's first
index is found by bisecting on "how many matches lie below x".

Sorting needs no more: ids and creation times grow with the index, so Id and CreatedOn order is index
order; the unchanged records' modification times grow with the index too, so ModifiedOn order merges
them with the changed ones (sorted by their current modification time). A descending page is the
ascending slice that ends where it starts, reversed.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from itertools import islice
from typing import Any

from servicetitan_sandbox.bisection import first_true
from servicetitan_sandbox.collection import RecordCollection


class ActiveFilter(Enum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    ANY = "any"

    def accepts(self, active: bool) -> bool:
        return self is ActiveFilter.ANY or active == (self is ActiveFilter.ACTIVE)


class SortField(Enum):
    """The fields the specs let ``sort`` name, spelled as there."""

    ID = "Id"
    MODIFIED_ON = "ModifiedOn"
    CREATED_ON = "CreatedOn"


@dataclass(frozen=True)
class ListSort:
    field: SortField = SortField.ID
    descending: bool = False


@dataclass(frozen=True)
class ListQuery:
    page: int = 1
    page_size: int = 50
    include_total: bool = False
    created_from: int | None = None  # createdOnOrAfter, ticks
    created_before: int | None = None
    modified_from: int | None = None  # modifiedOnOrAfter, ticks
    modified_before: int | None = None
    active: ActiveFilter = ActiveFilter.ANY
    ids: tuple[int, ...] | None = None
    sort: ListSort = ListSort()


@dataclass(frozen=True)
class ListPage:
    records: list[dict[str, Any]]
    has_more: bool
    total_count: int | None


def list_page(collection: RecordCollection, query: ListQuery) -> ListPage:
    selection = _Selection(collection, query)
    offset = (query.page - 1) * query.page_size
    indices = selection.take(offset, query.page_size)
    total = selection.total
    return ListPage(
        records=[collection.render(index) for index in indices],
        has_more=offset + len(indices) < total,
        total_count=total if query.include_total else None,
    )


def count_matching(collection: RecordCollection, query: ListQuery) -> int:
    return _Selection(collection, query).total


class _Selection:
    """The records matching one query, countable and seekable without enumerating them."""

    def __init__(self, collection: RecordCollection, query: ListQuery) -> None:
        self._collection = collection
        self._timeline = collection.timeline
        self._query = query
        self._size = collection.size
        self._by_modification = query.sort.field is SortField.MODIFIED_ON
        self._explicit: list[int] | None = None
        if query.ids is not None:
            candidates = {collection.index_of(record_id) for record_id in query.ids}
            self._explicit = sorted(
                (i for i in candidates if i is not None and self._matches_now(i)), key=self._current_key
            )
            return
        self._low, self._high = self._unchanged_index_range()
        changed = self._timeline.changed_indices()
        # Changed records counted by the arithmetic below although their current version may not match...
        self._excluded = [i for i in changed if self._low <= i < self._high and self._matches_at_creation(i)]
        # ... and those whose current version matches, in sort order with their sort key.
        self._included = sorted((self._current_key(i), i) for i in changed if self._matches_now(i))

    @property
    def total(self) -> int:
        if self._explicit is not None:
            return len(self._explicit)
        return self._count_unchanged_below(self._size) + len(self._included)

    def take(self, offset: int, count: int) -> list[int]:
        if self._query.sort.descending:
            stop = self.total - offset
            start = max(0, stop - count)
            return self._take_ascending(start, stop - start)[::-1]
        return self._take_ascending(offset, count)

    def _take_ascending(self, offset: int, count: int) -> list[int]:
        if self._explicit is not None:
            return self._explicit[offset : offset + count]
        if offset >= self.total or count <= 0:
            return []
        included = self._included
        # How many changed records precede the offset-th match: the j-th changed one has j changed ones
        # and every unchanged one with a smaller key before it.
        changed_before = first_true(
            0,
            len(included),
            lambda j: j + self._count_unchanged_below(self._first_index_keyed_at_or_after(included[j][0])) >= offset,
        )
        unchanged_before = offset - changed_before
        first = first_true(0, self._size, lambda x: self._count_unchanged_below(x + 1) > unchanged_before)
        unchanged = ((self._initial_key(i), i) for i in self._unchanged_from(first))
        merged = heapq.merge(unchanged, iter(included[changed_before:]))
        return [index for _, index in islice(merged, count)]

    # -- counting --------------------------------------------------------------------------------

    def _unchanged_index_range(self) -> tuple[int, int]:
        query, timeline = self._query, self._timeline
        low, high = 0, self._size
        if query.created_from is not None:
            low = max(low, timeline.first_index_created_at_or_after(query.created_from))
        if query.modified_from is not None:
            low = max(low, timeline.first_index_first_modified_at_or_after(query.modified_from))
        if query.created_before is not None:
            high = min(high, timeline.first_index_created_at_or_after(query.created_before))
        if query.modified_before is not None:
            high = min(high, timeline.first_index_first_modified_at_or_after(query.modified_before))
        return low, max(low, high)

    def _count_unchanged_below(self, limit: int) -> int:
        """How many matching records never changed since creation have an index below ``limit``."""
        stop = max(self._low, min(limit, self._high))
        return self._count_initially_matching(self._low, stop) - bisect.bisect_left(self._excluded, limit)

    def _count_initially_matching(self, start: int, stop: int) -> int:
        inactive = self._collection.initially_inactive.count_between(start, stop)
        if self._query.active is ActiveFilter.ACTIVE:
            return stop - start - inactive
        if self._query.active is ActiveFilter.INACTIVE:
            return inactive
        return stop - start

    # -- enumerating from a point ----------------------------------------------------------------

    def _unchanged_from(self, start: int) -> Iterator[int]:
        start = max(start, self._low)
        if self._query.active is ActiveFilter.INACTIVE:
            candidates: Iterator[int] = self._collection.initially_inactive.members_from(start)
        else:
            candidates = iter(range(start, self._high))
        for index in candidates:
            if index >= self._high:
                return
            if self._timeline.is_changed(index) or not self._query.active.accepts(self._active_at_creation(index)):
                continue
            yield index

    # -- sort keys -------------------------------------------------------------------------------

    def _initial_key(self, index: int) -> int:
        """The sort key of a record never changed since creation (grows with the index)."""
        if self._by_modification:
            return self._timeline.version_ticks(self._timeline.creation_version(index))
        return index

    def _current_key(self, index: int) -> int:
        if self._by_modification:
            return self._timeline.version_ticks(self._timeline.current_version(index))
        return index

    def _first_index_keyed_at_or_after(self, key: int) -> int:
        """The first index whose initial key is ``key`` or more."""
        if self._by_modification:
            return self._timeline.first_index_first_modified_at_or_after(key)
        return key

    # -- one record ------------------------------------------------------------------------------

    def _active_at_creation(self, index: int) -> bool:
        return index not in self._collection.initially_inactive

    def _matches_at_creation(self, index: int) -> bool:
        return self._query.active.accepts(self._active_at_creation(index))

    def _matches_now(self, index: int) -> bool:
        query, timeline = self._query, self._timeline
        version = timeline.current_version(index)
        if not query.active.accepts(self._collection.is_active(index, version)):
            return False
        created = timeline.created_ticks(index)
        modified = timeline.version_ticks(version)
        return (
            (query.created_from is None or created >= query.created_from)
            and (query.created_before is None or created < query.created_before)
            and (query.modified_from is None or modified >= query.modified_from)
            and (query.modified_before is None or modified < query.modified_before)
        )
