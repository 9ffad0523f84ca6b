"""All records of one kind (customers or invoices) in one tenant, built on demand from their index.

The collection answers the questions the endpoints ask (how many records, which version is current,
is it active, when was it created and changed) from the timeline and seeded draws, and builds a
record's JSON only when a page needs it: serving a page costs O(page size), whatever the total.
A built record is then served as built, as a bad record (``bad_records.py``), or with one
data-quality fault (``quality_faults.py``); never both, bad records win. On export pages, a hostile
payload (``hostile_records.py``) wins over both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from servicetitan_sandbox.activity import drift_record
from servicetitan_sandbox.bad_records import BadRecords
from servicetitan_sandbox.block_selection import BlockSelection
from servicetitan_sandbox.config import Scenario
from servicetitan_sandbox.hostile_records import HOSTILE_INDEX, HostileKind, hostile_json
from servicetitan_sandbox.quality_faults import QualityFaults
from servicetitan_sandbox.randomness import unit
from servicetitan_sandbox.record_ids import RecordIds
from servicetitan_sandbox.timeline import Timeline, Version


@dataclass(frozen=True)
class RecordState:
    """What the collection knows about one version of one record, before its JSON is built."""

    index: int
    record_id: int
    version: Version
    created: int  # ticks
    modified: int  # ticks
    active: bool
    is_creation: bool


class RecordBuilder(Protocol):
    def build(self, state: RecordState) -> dict[str, Any]:
        """The record's JSON as the schema describes it (a correct record; bad ones are spoiled later)."""
        ...


@dataclass(frozen=True)
class Activity:
    """How records stop being active: some are inactive from the start (``per_block`` in every
    ``block_size`` records, so they can be counted) and each later change deactivates a record with
    probability ``deactivation_rate``; a deactivated record stays inactive (merges are not undone)."""

    block_size: int
    per_block: int
    deactivation_rate: float


class RecordCollection:
    def __init__(
        self,
        name: str,
        key: tuple[object, ...],
        timeline: Timeline,
        ids: RecordIds,
        activity: Activity,
        bad_records: BadRecords,
        quality_faults: QualityFaults,
        hostile: HostileKind | None = None,
    ) -> None:
        self.name = name
        self.hostile = hostile
        self.timeline = timeline
        self.ids = ids
        self.bad_records = bad_records
        self.quality_faults = quality_faults
        self._key = key
        self._deactivation_rate = activity.deactivation_rate
        self.initially_inactive = BlockSelection((*key, "inactive"), activity.block_size, activity.per_block)
        # Generation in which a changed record was deactivated: kept per change, never per record.
        self._deactivated_in: dict[int, int] = {}
        self._builder: RecordBuilder | None = None
        # The tenant's scenarios (its dataset's list): drift ones change the records rendered.
        self.scenarios: list[Scenario] = []

    def attach_builder(self, builder: RecordBuilder) -> None:
        # Separate from __init__ because builders need collections (an invoice names its customer).
        self._builder = builder

    @property
    def size(self) -> int:
        return self.timeline.size

    def id_of(self, index: int) -> int:
        return self.ids.id_of(index)

    def index_of(self, record_id: int) -> int | None:
        return self.ids.index_of(record_id, self.size)

    def append_generation(self, new_count: int, modified_count: int, window_start: int, window_end: int) -> int:
        """New records and changes to existing ones (see Timeline); returns the generation's end."""
        generation = self.timeline.append_generation(new_count, modified_count, window_start, window_end)
        for index in generation.modified:
            deactivated = unit(*self._key, "deactivated", index, generation.number) < self._deactivation_rate
            if deactivated and index not in self._deactivated_in:
                self._deactivated_in[index] = generation.number
        return generation.window_end

    def is_active(self, index: int, version: Version) -> bool:
        if index in self.initially_inactive:
            return False
        deactivated_in = self._deactivated_in.get(index)
        return deactivated_in is None or version.generation < deactivated_in

    def state(self, index: int, version: Version | None = None) -> RecordState:
        """The state of ``version`` of the record (default: its current version)."""
        times = self.timeline.version_times(index, version)
        return RecordState(
            index=index,
            record_id=self.id_of(index),
            version=times.version,
            created=times.created,
            modified=times.modified,
            active=self.is_active(index, times.version),
            is_creation=times.is_creation,
        )

    def render(self, index: int, version: Version | None = None) -> dict[str, Any]:
        """The record's JSON as served: bad, or with a data-quality fault, if the fault profile says so."""
        if self._builder is None:
            raise RuntimeError(f"no builder attached to the {self.name} collection")
        state = self.state(index, version)
        record = self._builder.build(state)
        if self.scenarios:
            drift_record(record, self.name, state.modified, self.scenarios)
        kind = self.bad_records.kind_of(index)
        return self.bad_records.spoil(record, kind) if kind else self.quality_faults.apply(record, index)

    def render_json(self, index: int, version: Version | None = None) -> bytes:
        """The record as served, as JSON (the export pages' encoding); the hostile one as its payload."""
        if self.hostile is not None and index == HOSTILE_INDEX:
            return hostile_json(self.name, self.render(index, version), self.hostile)
        return msgspec.json.encode(self.render(index, version))
