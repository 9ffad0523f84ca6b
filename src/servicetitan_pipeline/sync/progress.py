"""Progress of a long sync in the task log: pages, records, records per second."""

from __future__ import annotations

import logging
import time

log = logging.getLogger("servicetitan_pipeline.sync")


class Progress:
    def __init__(self, label: str, resource: str, every_seconds: float = 5.0) -> None:
        self._label = label
        self._resource = resource
        self._every = every_seconds
        self._started = time.monotonic()
        self._last_logged = 0.0
        self.pages = 0
        self.records = 0
        self.bad = 0
        self.changed = 0

    def page_done(self, records: int, bad: int, changed: int, has_more: bool) -> None:
        self.pages += 1
        self.records += records + bad
        self.bad += bad
        self.changed += changed
        now = time.monotonic()
        if not has_more or self.pages == 1 or now - self._last_logged >= self._every:
            self._last_logged = now
            log.info(
                "%s %s: page %d, %d records (%d bad, %d new or changed), %.0f records/s%s",
                self._label,
                self._resource,
                self.pages,
                self.records,
                self.bad,
                self.changed,
                self.records / max(now - self._started, 1e-6),
                "" if has_more else ", done",
            )
