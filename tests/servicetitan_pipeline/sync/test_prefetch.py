from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from servicetitan_pipeline.sync.prefetch import prefetched


def test_items_arrive_in_order() -> None:
    assert list(prefetched(iter(range(50)), depth=2)) == list(range(50))


def test_a_producer_error_is_raised_after_the_items_before_it() -> None:
    def pages() -> Iterator[int]:
        yield 1
        yield 2
        raise RuntimeError("page 3 failed")

    received: list[int] = []
    with pytest.raises(RuntimeError, match="page 3 failed"):
        received.extend(prefetched(pages()))
    assert received == [1, 2]


def test_the_producer_runs_at_most_depth_ahead_and_stops_when_closed() -> None:
    produced: list[int] = []
    closed = threading.Event()

    def pages() -> Iterator[int]:
        try:
            for number in range(1000):
                produced.append(number)
                yield number
        finally:
            closed.set()

    iterator = prefetched(pages(), depth=1)
    assert next(iterator) == 0
    time.sleep(0.3)
    # One handed over, one waiting in the queue, one in the producer's hands: never the whole feed.
    assert len(produced) <= 3
    iterator.close()  # type: ignore[attr-defined]
    assert closed.wait(5)
    assert len(produced) <= 4
