"""Rate limiter, circuit breaker and retry policy, on a fake clock."""

from __future__ import annotations

import logging

import pytest

from servicetitan_pipeline.servicetitan.circuit_breaker import CircuitBreaker, CircuitState
from servicetitan_pipeline.servicetitan.rate_limiter import RateLimiter
from servicetitan_pipeline.servicetitan.retry import RetryPolicy


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class TestRateLimiter:
    def test_never_more_than_rate_calls_in_any_second(self) -> None:
        clock = FakeClock()
        limiter = RateLimiter(60, clock=clock, sleep=clock.sleep)
        call_times = []
        for _ in range(300):
            limiter.acquire()
            call_times.append(clock.now)
        for i, start in enumerate(call_times):
            in_window = [t for t in call_times[i:] if t < start + 1.0]
            assert len(in_window) <= 60
        # 300 calls: five full windows of 60, the last starting 4 s after the first.
        assert clock.now - 1000.0 == pytest.approx(4.0)

    def test_idle_time_allows_at_most_one_window(self) -> None:
        clock = FakeClock()
        limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
        for _ in range(10):
            assert limiter.acquire() == 0
        clock.now += 60  # a long pause earns one window's worth, not more
        waits = [limiter.acquire() for _ in range(11)]
        assert waits[:10] == [0] * 10
        assert waits[10] == pytest.approx(1.0)


class TestCircuitBreaker:
    def test_opens_after_threshold_and_probes_half_open(self) -> None:
        clock = FakeClock()
        breaker = CircuitBreaker(failure_threshold=3, reset_timeout=30, clock=clock)
        for _ in range(2):
            assert breaker.allow()
            breaker.record_failure()
        assert breaker.state is CircuitState.CLOSED
        breaker.record_failure()
        assert breaker.state is CircuitState.OPEN
        assert not breaker.allow()
        assert breaker.seconds_until_probe() == pytest.approx(30)

        clock.now += 30
        assert breaker.state is CircuitState.HALF_OPEN
        assert breaker.allow()  # the probe
        assert not breaker.allow()  # only one probe at a time
        breaker.record_success()
        assert breaker.state is CircuitState.CLOSED
        assert breaker.allow()

    def test_failed_probe_opens_again(self) -> None:
        clock = FakeClock()
        breaker = CircuitBreaker(failure_threshold=1, reset_timeout=5, clock=clock)
        breaker.record_failure()
        clock.now += 5
        assert breaker.allow()
        breaker.record_failure()
        assert breaker.state is CircuitState.OPEN
        assert breaker.seconds_until_probe() == pytest.approx(5)

    def test_changes_of_state_are_logged_once_each(self, caplog: pytest.LogCaptureFixture) -> None:
        clock = FakeClock()
        breaker = CircuitBreaker(failure_threshold=2, reset_timeout=30, clock=clock, name="tenant 7 (integration)")
        caplog.set_level(logging.INFO, logger="servicetitan_pipeline.servicetitan")
        for _ in range(4):  # failures past the threshold, while open, change nothing
            breaker.record_failure()
        clock.now += 30
        breaker.allow()
        breaker.record_failure()
        clock.now += 30
        breaker.allow()
        breaker.record_success()
        breaker.record_success()
        assert caplog.messages == [
            "tenant 7 (integration): circuit opened after 2 consecutive failures; calls paused, one probe in 30 s",
            "tenant 7 (integration): circuit half-open; letting one probe call through",
            "tenant 7 (integration): the probe failed; circuit open again, next probe in 30 s",
            "tenant 7 (integration): circuit half-open; letting one probe call through",
            "tenant 7 (integration): a call succeeded; circuit closed, calls resume",
        ]

    def test_success_resets_the_count(self) -> None:
        breaker = CircuitBreaker(failure_threshold=2, clock=FakeClock())
        breaker.record_failure()
        breaker.record_success()
        breaker.record_failure()
        assert breaker.state is CircuitState.CLOSED


class TestRetryPolicy:
    def test_backoff_grows_exponentially_within_bounds(self) -> None:
        policy = RetryPolicy(base_delay=1, max_delay=8)
        for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (4, 8), (5, 8), (9, 8)]:
            for _ in range(20):
                assert ceiling / 2 <= policy.delay(attempt) <= ceiling

    def test_retry_after_is_honoured(self) -> None:
        policy = RetryPolicy()
        assert 7 <= policy.delay(1, retry_after=7) <= 7.25

    def test_attempts_are_bounded(self) -> None:
        policy = RetryPolicy(max_attempts=3)
        assert policy.should_retry(1)
        assert policy.should_retry(2)
        assert not policy.should_retry(3)

    def test_a_very_long_retry_after_is_left_to_the_task_retry(self) -> None:
        policy = RetryPolicy(max_retry_after=60)
        assert not policy.should_retry(1, retry_after=600)
