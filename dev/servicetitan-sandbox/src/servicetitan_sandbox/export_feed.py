"""The export endpoints: a change feed read page by page with ``continueFrom`` tokens.

A token is a position in the feed (generation, position), bound to the tenant and the kind of record
and checksummed, so a client cannot forge or mix them up. Positions never move: a token stored today
resumes tomorrow and returns what changed since, each record once, at its latest version (a record
changed again later is served at its later position instead). The feed is sorted by modification
time, and like ServiceTitan's ("usually sorted chronologically") a page is served slightly shuffled, so
no client can rely on the order.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from itertools import islice

import msgspec

from servicetitan_sandbox.collection import RecordCollection
from servicetitan_sandbox.randomness import stable_hash, unit
from servicetitan_sandbox.timeline import Version

# Share of neighbouring records swapped on a page: enough to break any reliance on order.
SWAP_SHARE = 0.1


@dataclass(frozen=True)
class ExportPage:
    records: list[bytes]  # each record's JSON
    has_more: bool
    continue_from: str

    def json(self) -> bytes:
        """The response body: what ``msgspec.json.encode({"hasMore", "continueFrom", "data"})`` writes, put
        together from the records' JSON. Encoding each record as soon as it is built frees its dicts at once,
        instead of keeping a page's few hundred thousand objects alive for the garbage collector to scan."""
        head = msgspec.json.encode({"hasMore": self.has_more, "continueFrom": self.continue_from})
        return b"".join((head[:-1], b',"data":[', b",".join(self.records), b"]}"))


class ExportTokens:
    """Encodes feed positions as opaque ``continueFrom`` strings for one tenant and kind of record."""

    def __init__(self, tenant_id: int, seed: int, collection_name: str) -> None:
        self._prefix = f"{tenant_id}:{collection_name}"
        self._seed = seed

    def encode(self, version: Version) -> str:
        payload = f"{self._prefix}:{version.generation}:{version.position}"
        raw = f"{payload}:{self._checksum(payload)}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, token: str) -> Version | None:
        """The position, or None if the token was not issued for this tenant and kind of record."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        payload, _, checksum = raw.rpartition(":")
        prefix, _, place = payload.rpartition(":")
        prefix, _, generation = prefix.rpartition(":")
        if prefix != self._prefix or checksum != self._checksum(payload):
            return None
        if not (generation.isdigit() and place.isdigit()):
            return None
        return Version(int(generation), int(place))

    def _checksum(self, payload: str) -> str:
        return f"{stable_hash(self._seed, 'export token', payload) % 2**32:08x}"


def export_page(collection: RecordCollection, tokens: ExportTokens, start: Version, page_size: int) -> ExportPage:
    timeline = collection.timeline
    taken = list(islice(timeline.feed(start), page_size))
    next_start = timeline.after(taken[-1][0]) if taken else timeline.feed_end()
    has_more = next(timeline.feed(next_start), None) is not None
    records = [collection.render_json(index, version) for version, index in taken]
    _swap_some_neighbours(records, key=(collection.name, start.generation, start.position))
    return ExportPage(records=records, has_more=has_more, continue_from=tokens.encode(next_start))


def _swap_some_neighbours(records: list[bytes], key: tuple[object, ...]) -> None:
    position = 0
    while position < len(records) - 1:
        if unit(*key, "swap", position) < SWAP_SHARE:
            records[position], records[position + 1] = records[position + 1], records[position]
            position += 2
        else:
            position += 1
