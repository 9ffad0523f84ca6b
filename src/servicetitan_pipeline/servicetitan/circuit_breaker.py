"""A circuit breaker per tenant: stop hammering a tenant whose API keeps failing, probe now and then."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from enum import StrEnum

log = logging.getLogger("servicetitan_pipeline.servicetitan")


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Opens after ``failure_threshold`` consecutive failures; after ``reset_timeout`` seconds lets one
    probe through (half-open): success closes it, failure opens it again."""

    def __init__(
        self,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        name: str = "circuit breaker",
    ) -> None:
        self.name = name  # who it guards, for the log: e.g. "tenant 4242 (integration)"
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_in_flight = False
        self._lock = threading.Lock()

    @property
    def state(self) -> CircuitState:
        with self._lock:
            return self._state()

    def _state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self._clock() - self._opened_at >= self.reset_timeout:
            return CircuitState.HALF_OPEN
        return CircuitState.OPEN

    def allow(self) -> bool:
        """May a call go out now? In half-open state only one probe at a time."""
        with self._lock:
            state = self._state()
            if state is CircuitState.CLOSED:
                return True
            probe = state is CircuitState.HALF_OPEN and not self._probe_in_flight
            if probe:
                self._probe_in_flight = True
        if probe:
            log.info("%s: circuit half-open; letting one probe call through", self.name)
        return probe

    def seconds_until_probe(self) -> float:
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self.reset_timeout - (self._clock() - self._opened_at))

    def record_success(self) -> None:
        with self._lock:
            was_open = self._opened_at is not None
            self._failures = 0
            self._opened_at = None
            self._probe_in_flight = False
        if was_open:
            log.info("%s: a call succeeded; circuit closed, calls resume", self.name)

    def record_failure(self) -> bool:
        """Counts a failure; True when this failure opened a closed circuit (the dashboard counts openings)."""
        with self._lock:
            self._failures += 1
            failures = self._failures
            probe_failed = self._probe_in_flight
            opens = self._opened_at is None and self._failures >= self.failure_threshold
            if probe_failed or self._failures >= self.failure_threshold:
                self._opened_at = self._clock()
            self._probe_in_flight = False
        # Logged on a change of state only: failures while already open say nothing new.
        if probe_failed:
            log.warning("%s: the probe failed; circuit open again, next probe in %.0f s", self.name, self.reset_timeout)
        elif opens:
            log.warning(
                "%s: circuit opened after %d consecutive failures; calls paused, one probe in %.0f s",
                self.name,
                failures,
                self.reset_timeout,
            )
        return opens


_breakers: dict[tuple[str, int], CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for_tenant(
    environment: str, tenant_id: int, failure_threshold: int, reset_timeout: float
) -> CircuitBreaker:
    key = (environment, tenant_id)
    with _breakers_lock:
        breaker = _breakers.get(key)
        if breaker is None:
            breaker = _breakers[key] = CircuitBreaker(
                failure_threshold, reset_timeout, name=f"tenant {tenant_id} ({environment})"
            )
        return breaker


def reset_breakers() -> None:
    """Forget every tenant's breaker. Breakers last as long as the process on purpose (every client of a tenant
    shares its state); tests play several sandboxes in one process and start each with this, so that none
    inherits a breaker another one opened."""
    with _breakers_lock:
        _breakers.clear()
