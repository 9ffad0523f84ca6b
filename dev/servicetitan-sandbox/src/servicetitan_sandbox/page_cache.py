"""Rendered export pages kept in memory, for benchmarks.

Building a page of 5,000 invoices in Python takes about a third of a second of CPU, which a benchmark's
client would otherwise share its two CPUs with, and slower than the real API serves them. With ``page_cache_mb``
set, a page served once is served again from memory until the tenant's data changes (its generation
is part of the key), so a benchmark measures the client, not the sandbox. Off by default.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from threading import Lock


class PageCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = Lock()

    def get(self, key: Hashable) -> bytes | None:
        if not self.max_bytes:
            return None
        with self._lock:
            body = self._pages.get(key)
            if body is not None:
                self._pages.move_to_end(key)
            return body

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0

    def put(self, key: Hashable, body: bytes) -> None:
        if not self.max_bytes or len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            self._bytes -= len(old) if old else 0
            self._pages[key] = body
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, evicted = self._pages.popitem(last=False)
                self._bytes -= len(evicted)
