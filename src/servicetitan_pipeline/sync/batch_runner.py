"""Many tenants' syncs in one process: a bounded pool of threads, each running one tenant's ``run_sync``.

Each tenant keeps what it has on its own (its advisory locks, token, rate limiter, circuit breaker and
sync-log rows all come from ``run_sync`` and the per-tenant registries); the batch only shares what is
safe to share (the HTTP connections per host, a bounded pool of database connections). One tenant's
failure is caught and reported, never raised: the others go on. A failure a retry may mend is tried again
after a bounded exponential backoff, without holding a worker while it waits.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from servicetitan_pipeline.airflow_variables import settings_from_variables
from servicetitan_pipeline.log_context import current_tenant, label_tenant_lines
from servicetitan_pipeline.servicetitan.errors import ServiceTitanError
from servicetitan_pipeline.sync.runner import CredentialUnavailableError, OverlappingSyncError, SyncOutcome
from servicetitan_pipeline.sync.targets import SyncTarget

log = logging.getLogger("servicetitan_pipeline.sync")

SyncOne = Callable[[SyncTarget], SyncOutcome]
# In a failure message, each reason is cut to this, and at most this many tenants are named.
_REASON_CHARS = 300
_NAMED_FAILURES = 25


# A JSON object of the fields to change, e.g. {"workers": 16} (docs/operations.md, "Settings").
VARIABLE = "servicetitan_sync_settings"


@dataclass(frozen=True)
class BatchSettings:
    # Tenants per mapped task at most (more when [core] max_map_length would otherwise be exceeded).
    batch_size: int = 50
    # Tenants syncing at once in one task.
    workers: int = 8
    # Attempts per tenant in a run (one sync-log row each); only failures a retry may mend are tried again.
    attempts: int = 3
    # Wait before the 2nd attempt; doubled for each further one, never above max_retry_delay_seconds.
    retry_delay_seconds: float = 10.0
    max_retry_delay_seconds: float = 60.0
    # A "tenants: done, failed, to do" line in the task log at least this often.
    progress_every_seconds: float = 10.0

    @classmethod
    def from_variables(cls) -> BatchSettings:
        """The defaults, overridden by the JSON object in the Airflow Variable ``servicetitan_sync_settings``."""
        return settings_from_variables(cls, VARIABLE)

    def retry_delay(self, failed_attempt: int) -> float:
        """The wait after attempt ``failed_attempt`` (1-based) failed."""
        return float(min(self.retry_delay_seconds * 2 ** (failed_attempt - 1), self.max_retry_delay_seconds))


@dataclass
class TenantResult:
    target: SyncTarget
    status: str  # "completed" or "failed"
    attempts: int
    seconds: float
    processed: int = 0
    successful: int = 0
    failed_records: int = 0
    loaded: dict[str, int] = field(default_factory=dict)
    error: str | None = None


@dataclass
class BatchReport:
    results: list[TenantResult]

    @property
    def failed(self) -> list[TenantResult]:
        return [result for result in self.results if result.status != "completed"]

    def loaded(self) -> dict[str, dict[str, int]]:
        """Per resource, the records loaded and the tenants that loaded any (resources with none left out)."""
        totals: dict[str, dict[str, int]] = {}
        for result in self.results:
            for resource, records in result.loaded.items():
                if records:
                    entry = totals.setdefault(resource, {"records": 0, "tenants": 0})
                    entry["records"] += records
                    entry["tenants"] += 1
        return totals

    def summary(self) -> dict[str, Any]:
        """For the XCom: counts and labels, never a secret or a record."""
        return {
            "tenants": len(self.results),
            "completed": len(self.results) - len(self.failed),
            "failed": [result.target.label for result in self.failed],
            "loaded": self.loaded(),
        }

    def failure_message(self) -> str:
        failed = self.failed
        named = "; ".join(
            f"{result.target.label}: {_shorten(result.error or 'failed')}" for result in failed[:_NAMED_FAILURES]
        )
        more = f"; and {len(failed) - _NAMED_FAILURES} more" if len(failed) > _NAMED_FAILURES else ""
        return (
            f"{len(failed)} of {len(self.results)} tenants of this batch failed (the others completed): {named}{more}"
        )


def is_retriable(exc: BaseException) -> bool:
    """Whether another attempt may succeed: not for refused credentials, a revoked app key, a broken
    connection form, an overlapping run or a removed credential; yes for transient API errors and for the
    unexpected (a dropped database connection, say)."""
    from servicetitan_pipeline.servicetitan.hook import ConnectionConfigError

    if isinstance(exc, OverlappingSyncError | CredentialUnavailableError | ConnectionConfigError):
        return False
    if isinstance(exc, ServiceTitanError):
        return bool(exc.retriable)
    return True


@dataclass(order=True)
class _Waiting:
    ready_at: float
    order: int
    target: SyncTarget = field(compare=False)
    attempt: int = field(compare=False)
    first_started: float | None = field(compare=False)


@dataclass
class _Attempt:
    target: SyncTarget
    attempt: int
    first_started: float
    outcome: SyncOutcome | None = None
    error: BaseException | None = None


def run_batch(
    targets: Sequence[SyncTarget],
    sync_one: SyncOne,
    settings: BatchSettings,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> BatchReport:
    """Sync every target, ``settings.workers`` at a time; returns each tenant's result, never raises for one."""
    total = len(targets)
    results: list[TenantResult] = []
    ready: deque[_Waiting] = deque(_Waiting(0.0, i, t, 1, None) for i, t in enumerate(targets))
    waiting: list[_Waiting] = []  # retries, by when they may start
    running: dict[Future[_Attempt], _Attempt] = {}
    order = total
    last_progress = clock()
    workers = max(1, min(settings.workers, total))
    log.info("tenants: %d to sync, %d at a time", total, workers)

    # The API client's lines (retries, circuit breaker) then start with the tenant's label too.
    label_tenant_lines("servicetitan_pipeline.servicetitan", "servicetitan_pipeline.sync")

    def attempt(item: _Attempt) -> _Attempt:
        token = current_tenant.set(item.target.label)
        try:
            item.outcome = sync_one(item.target)
        except Exception as exc:  # one tenant's failure is its own: recorded, never raised
            item.error = exc
        finally:
            current_tenant.reset(token)
        return item

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tenant-sync") as pool:
        while ready or waiting or running:
            now = clock()
            while waiting and waiting[0].ready_at <= now:
                ready.append(heapq.heappop(waiting))
            while ready and len(running) < workers:
                item = ready.popleft()
                started = now if item.first_started is None else item.first_started
                job = _Attempt(item.target, item.attempt, started)
                running[pool.submit(attempt, job)] = job
            timeout = settings.progress_every_seconds
            if waiting:
                timeout = min(timeout, max(waiting[0].ready_at - now, 0.0))
            if running:
                done, _ = wait(running, timeout=max(timeout, 0.01), return_when=FIRST_COMPLETED)
            else:
                time.sleep(max(timeout, 0.01))
                done = set()
            for future in done:
                job = future.result()
                del running[future]
                retry_in = _finish(job, settings, results, clock)
                if retry_in is not None:
                    order += 1
                    heapq.heappush(
                        waiting, _Waiting(clock() + retry_in, order, job.target, job.attempt + 1, job.first_started)
                    )
            if clock() - last_progress >= settings.progress_every_seconds:
                last_progress = clock()
                _log_progress(results, total)
    _log_progress(results, total)
    return BatchReport(results)


def _finish(
    job: _Attempt, settings: BatchSettings, results: list[TenantResult], clock: Callable[[], float]
) -> float | None:
    """Record a finished attempt; the seconds to wait before retrying it, or None when the tenant is done."""
    label = job.target.label
    seconds = clock() - job.first_started
    if job.outcome is not None:
        outcome = job.outcome
        results.append(
            TenantResult(
                job.target,
                "completed",
                job.attempt,
                seconds,
                processed=outcome.processed,
                successful=outcome.successful,
                failed_records=outcome.failed,
                loaded=dict(outcome.loaded),
            )
        )
        log.info(
            "%s: completed, %d records (%d loaded, %d bad) in %.1f s%s",
            label,
            outcome.processed,
            outcome.successful,
            outcome.failed,
            seconds,
            f" (attempt {job.attempt})" if job.attempt > 1 else "",
        )
        return None
    error = job.error
    assert error is not None
    reason = str(error) or type(error).__name__
    if is_retriable(error) and job.attempt < settings.attempts:
        delay = settings.retry_delay(job.attempt)
        log.warning(
            "%s: attempt %d of %d failed, trying again in %.0f s: %s",
            label,
            job.attempt,
            settings.attempts,
            delay,
            reason,
        )
        return delay
    why = "" if is_retriable(error) else " (a retry would not mend it)"
    results.append(TenantResult(job.target, "failed", job.attempt, seconds, error=reason))
    log.error("%s: failed after %d attempt(s) in %.1f s%s: %s", label, job.attempt, seconds, why, reason)
    return None


def _log_progress(results: list[TenantResult], total: int) -> None:
    failed = sum(1 for result in results if result.status != "completed")
    log.info("tenants: %d done, %d failed, %d to do", len(results) - failed, failed, total - len(results))


def _shorten(text: str) -> str:
    return text if len(text) <= _REASON_CHARS else text[: _REASON_CHARS - 1] + "…"
