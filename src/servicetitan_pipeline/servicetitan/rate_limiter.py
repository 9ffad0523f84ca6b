"""At most N calls in any one-second window per tenant, shared by every client of the process.

A sliding window, not a token bucket: a bucket of N tokens refilling at N/s lets almost 2N calls
through in one second (a full bucket, then its refill), which ServiceTitan would answer with 429.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 1.0


class RateLimiter:
    def __init__(
        self,
        rate: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1 call per second")
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._recent: deque[float] = deque()  # start times of the last `rate` calls
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until a call fits in the window, record it, and return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._recent and now - self._recent[0] >= WINDOW_SECONDS:
                    self._recent.popleft()
                if len(self._recent) < self.rate:
                    self._recent.append(now)
                    return waited
                wait = WINDOW_SECONDS - (now - self._recent[0])
            self._sleep(wait)
            waited += wait


_limiters: dict[tuple[str, int], RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for_tenant(environment: str, tenant_id: int, rate: int) -> RateLimiter:
    """The process-wide limiter of one tenant (ServiceTitan counts calls per tenant and application)."""
    key = (environment, tenant_id)
    with _limiters_lock:
        limiter = _limiters.get(key)
        if limiter is None or limiter.rate != rate:
            limiter = _limiters[key] = RateLimiter(rate)
        return limiter


def reset_limiters() -> None:
    """Forget every tenant's limiter. Limiters last as long as the process on purpose (every client of a tenant
    shares its budget); tests play several sandboxes in one process and start each with this, so that none waits
    on calls made to another one."""
    with _limiters_lock:
        _limiters.clear()
