"""Deterministic randomness keyed by what it is for: the same key gives the same draw on every machine.

Everything the sandbox makes up (records, timestamps, which records are bad, which calls fail) is a
function of keys such as ``(seed, "customer", index)``, so that record ``i`` can be built on demand
without building records ``0..i-1`` and two sandboxes with the same seed serve the same data.
"""

from __future__ import annotations

import hashlib
import random

_UNIT_DENOMINATOR = float(2**64)


def stable_hash(*key: object) -> int:
    """A 64-bit hash of the key's parts (ints and strings), stable across processes and Python versions
    (unlike ``hash()``, which is salted per process)."""
    digest = hashlib.blake2b(repr(key).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def unit(*key: object) -> float:
    """A draw in [0, 1) for the key."""
    return stable_hash(*key) / _UNIT_DENOMINATOR


def below(bound: int, *key: object) -> int:
    """A draw in [0, bound) for the key (bound > 0)."""
    return stable_hash(*key) % bound


def seeded_random(*key: object) -> random.Random:
    """A generator for the many small choices one record needs (Mersenne Twister seeded from an int is
    reproducible across platforms)."""
    return random.Random(stable_hash(*key))  # noqa: S311 - test data, not security


def sample_distinct(population: int, count: int, *key: object) -> list[int]:
    """``count`` distinct integers of ``range(population)``, in O(count) time and memory (Floyd's
    algorithm), so that choosing 10 records out of a million does not touch the million."""
    if not 0 <= count <= population:
        raise ValueError(f"cannot choose {count} of {population}")
    chosen: set[int] = set()
    for upper in range(population - count, population):
        candidate = below(upper + 1, *key, upper)
        chosen.add(upper if candidate in chosen else candidate)
    return sorted(chosen)
