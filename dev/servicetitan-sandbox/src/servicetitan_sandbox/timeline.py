"""When each record of one kind was created and changed: generations of versions, never the records.

A *generation* is one batch of changes: generation 0 creates the initial records over the history
window; each ``advance`` appends one that creates new records and changes existing ones. Its
versions sit at *positions* 0..size-1, spread evenly over its time window, with new records and
changes interleaved (Bresenham-style, so either kind's position is found by arithmetic). Version
time grows with the position, and generations follow one another in time, so the export feed (all
generations' positions in order) is sorted by modification time, and a date can be found in it by
bisection.

Memory holds the generations (a few numbers each) and, per changed record, its latest version:
nothing per unchanged record, however many there are. A record's index gives its id; its creation
version follows from the generation that created it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from servicetitan_sandbox.bisection import first_true
from servicetitan_sandbox.randomness import below, sample_distinct


@dataclass(frozen=True, order=True)
class Version:
    """A place in the feed: the ``position``-th change of generation ``generation``."""

    generation: int
    position: int


class VersionTimes(NamedTuple):
    version: Version
    created: int  # ticks: the record's createdOn
    modified: int  # ticks: this version's modifiedOn
    is_creation: bool


@dataclass(frozen=True)
class Generation:
    number: int
    window_start: int  # ticks
    window_end: int  # ticks, exclusive
    first_new_index: int
    new_count: int
    modified: tuple[int, ...]  # sorted indices of older records changed in this generation

    @cached_property
    def size(self) -> int:
        return self.new_count + len(self.modified)

    def modifications_before(self, position: int) -> int:
        return position * len(self.modified) // self.size if self.size else 0

    def is_modification(self, position: int) -> bool:
        return self.modifications_before(position + 1) > self.modifications_before(position)

    def index_at(self, position: int) -> int:
        changed_before = self.modifications_before(position)
        if self.is_modification(position):
            return self.modified[changed_before]
        return self.first_new_index + position - changed_before

    def position_of_new(self, offset: int) -> int:
        """Position of the ``offset``-th record created in this generation."""
        # new_before(p) = p - modifications_before(p) grows by one at each new record's position.
        position = offset * self.size // self.new_count if self.new_count else 0
        while position - self.modifications_before(position) > offset:
            position -= 1
        while position + 1 - self.modifications_before(position + 1) <= offset:
            position += 1
        return position

    def slot_start(self, position: int) -> int:
        return self.window_start + position * (self.window_end - self.window_start) // max(self.size, 1)

    @property
    def jitter_span(self) -> int:
        # Two jitters of at most half a slot each keep version times strictly increasing.
        return ((self.window_end - self.window_start) // max(self.size, 1)) // 2


class Timeline:
    def __init__(self, key: tuple[object, ...], initial_count: int, history_start: int, history_end: int) -> None:
        self._key = key
        self.generations: list[Generation] = [
            Generation(0, history_start, history_end, first_new_index=0, new_count=initial_count, modified=())
        ]
        self._first_new_indices = [0]
        self._window_ends = [history_end]
        self._latest_change: dict[int, Version] = {}
        self._changed_sorted: list[int] = []

    # -- size and history ------------------------------------------------------------------------

    @property
    def size(self) -> int:
        """How many records exist (active or not)."""
        last = self.generations[-1]
        return last.first_new_index + last.new_count

    @property
    def latest(self) -> Generation:
        return self.generations[-1]

    def changed_indices(self) -> list[int]:
        """Records changed after their creation, ascending (the only per-record state kept)."""
        return self._changed_sorted

    def append_generation(self, new_count: int, modified_count: int, window_start: int, window_end: int) -> Generation:
        if modified_count > self.size:
            raise ValueError(f"cannot change {modified_count} records: only {self.size} exist")
        if window_start < self.latest.window_end:
            raise ValueError("a generation cannot start before the previous one ended")
        number = len(self.generations)
        modified = tuple(sample_distinct(self.size, modified_count, *self._key, "changed", number))
        generation = Generation(number, window_start, window_end, self.size, new_count, modified)
        self.generations.append(generation)
        self._first_new_indices.append(generation.first_new_index)
        self._window_ends.append(window_end)
        for rank, index in enumerate(modified):
            # The rank-th change sits at the first position p with modifications_before(p + 1) == rank + 1.
            position = -(-(rank + 1) * generation.size // len(modified)) - 1
            self._latest_change[index] = Version(number, position)
        self._changed_sorted = sorted(self._latest_change)
        return generation

    # -- one record ------------------------------------------------------------------------------

    def creation_generation(self, index: int) -> Generation:
        return self.generations[bisect.bisect_right(self._first_new_indices, index) - 1]

    def creation_version(self, index: int) -> Version:
        generation = self.creation_generation(index)
        return Version(generation.number, generation.position_of_new(index - generation.first_new_index))

    def current_version(self, index: int) -> Version:
        return self._latest_change.get(index) or self.creation_version(index)

    def is_changed(self, index: int) -> bool:
        """Whether the record was changed after its creation."""
        return index in self._latest_change

    def is_current(self, index: int, version: Version) -> bool:
        latest = self._latest_change.get(index)
        return latest is None or latest == version

    def index_at(self, version: Version) -> int:
        return self.generations[version.generation].index_at(version.position)

    def created_ticks(self, index: int) -> int:
        return self._created_part(self.creation_version(index))

    def version_ticks(self, version: Version) -> int:
        """The ``modifiedOn`` of a version (for a creation version: the record's first modifiedOn)."""
        return self._created_part(version) + self._jitter(version, "modified")

    def version_times(self, index: int, version: Version | None = None) -> VersionTimes:
        """``version`` of record ``index`` (default: its current one) with ``created_ticks(index)`` and
        ``version_ticks(version)``, worked out together: a creation version's two times share their draws."""
        creation = self.creation_version(index)
        version = version or self._latest_change.get(index) or creation
        created = self._created_part(creation)
        is_creation = version == creation
        modified = (created if is_creation else self._created_part(version)) + self._jitter(version, "modified")
        return VersionTimes(version, created, modified, is_creation)

    def _created_part(self, version: Version) -> int:
        """A version's time before its "modified" jitter: for a creation version, the record's createdOn."""
        return self._slot_time(version) + self._jitter(version, "created")

    def _slot_time(self, version: Version) -> int:
        return self.generations[version.generation].slot_start(version.position)

    def _jitter(self, version: Version, purpose: str) -> int:
        span = self.generations[version.generation].jitter_span
        return below(span, *self._key, purpose, version.generation, version.position) if span else 0

    # -- searching by time -----------------------------------------------------------------------

    def first_index_created_at_or_after(self, ticks: int) -> int:
        """Creation times grow with the index, so this is a bisection (O(log n))."""
        return first_true(0, self.size, lambda index: self.created_ticks(index) >= ticks)

    def approximate_count_created_before(self, ticks: int) -> int:
        """About how many records existed at ``ticks`` (exact up to the jitter of one slot), in O(log g):
        enough to pick a record that existed then, without a bisection over all records."""
        number = bisect.bisect_right(self._window_ends, ticks)
        if number >= len(self.generations):
            return self.size
        generation = self.generations[number]
        if ticks <= generation.window_start or not generation.size:
            return generation.first_new_index
        elapsed = ticks - generation.window_start
        position = min(generation.size, elapsed * generation.size // (generation.window_end - generation.window_start))
        return generation.first_new_index + position - generation.modifications_before(position)

    def first_index_first_modified_at_or_after(self, ticks: int) -> int:
        """Same over the creation versions' modifiedOn, which also grow with the index."""
        return first_true(0, self.size, lambda index: self.version_ticks(self.creation_version(index)) >= ticks)

    # -- the feed of versions (what the export endpoints page through) ----------------------------

    def feed_start(self) -> Version:
        return Version(0, 0)

    def feed_end(self) -> Version:
        return Version(self.latest.number, self.latest.size)

    def contains(self, version: Version) -> bool:
        return 0 <= version.generation < len(self.generations) and (
            0 <= version.position <= self.generations[version.generation].size
        )

    def feed_position_at(self, ticks: int) -> Version:
        """The first feed position whose version is at or after ``ticks``."""
        number = bisect.bisect_right(self._window_ends, ticks)
        if number >= len(self.generations):
            return self.feed_end()
        generation = self.generations[number]
        position = first_true(
            0, generation.size, lambda position: self.version_ticks(Version(number, position)) >= ticks
        )
        return Version(number, position)

    def feed(self, start: Version) -> Iterator[tuple[Version, int]]:
        """Current versions from ``start`` on, with their record index; superseded ones are skipped, so
        each record appears once, at its latest version."""
        number, position = start.generation, start.position
        while number < len(self.generations):
            generation = self.generations[number]
            while position < generation.size:
                version = Version(number, position)
                index = generation.index_at(position)
                if self.is_current(index, version):
                    yield version, index
                position += 1
            number, position = number + 1, 0

    def after(self, version: Version) -> Version:
        """The position following ``version`` (which may be the end of the feed)."""
        generation = self.generations[version.generation]
        if version.position + 1 < generation.size or version.generation == self.latest.number:
            return Version(version.generation, version.position + 1)
        return Version(version.generation + 1, 0)
