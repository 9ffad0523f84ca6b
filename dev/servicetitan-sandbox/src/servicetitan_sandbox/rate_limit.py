"""ServiceTitan's limit of N API calls per second per tenant, as a sliding one-second window.

A call over the limit is refused and not counted; the answer says how long to wait (whole seconds,
at least 1, as ServiceTitan's ``Retry-After`` and error title do).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable

WINDOW_SECONDS = 1.0


class SlidingWindowRateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._calls: dict[Hashable, deque[float]] = {}

    def wait_seconds(self, key: Hashable, limit: int) -> int | None:
        """Admit a call (None) or say how many seconds to wait before the next one can be admitted."""
        now = self._clock()
        calls = self._calls.setdefault(key, deque())
        while calls and now - calls[0] >= WINDOW_SECONDS:
            calls.popleft()
        if len(calls) < limit:
            calls.append(now)
            return None
        return max(1, math.ceil(calls[0] + WINDOW_SECONDS - now))
