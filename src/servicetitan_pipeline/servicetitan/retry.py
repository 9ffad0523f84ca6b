"""Bounded exponential backoff with jitter, honouring the server's Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    # A Retry-After longer than this is not waited out inside one call; the task's retry takes over.
    max_retry_after: float = 120.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed ``attempt`` (1-based) before the next one."""
        if retry_after is not None:
            return retry_after + random.uniform(0, 0.25)  # noqa: S311 - jitter, not crypto
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311

    def should_retry(self, attempt: int, retry_after: float | None = None) -> bool:
        if attempt >= self.max_attempts:
            return False
        return retry_after is None or retry_after <= self.max_retry_after
