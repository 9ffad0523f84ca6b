"""A batch of tenants in one process: each on its own, failures caught and retried per tenant, progress logged."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

import pytest

from servicetitan_pipeline.db.enums import SyncStatus
from servicetitan_pipeline.servicetitan.errors import BadCredentialsError, TransientError
from servicetitan_pipeline.sync.batch_runner import BatchSettings, is_retriable, run_batch
from servicetitan_pipeline.sync.runner import CredentialUnavailableError, OverlappingSyncError, SyncOutcome
from servicetitan_pipeline.sync.targets import SyncTarget

FAST = BatchSettings(workers=4, attempts=3, retry_delay_seconds=0.01, max_retry_delay_seconds=0.02)


def targets(count: int) -> list[SyncTarget]:
    return [SyncTarget(f"id-{i}", f"Tenant {i}", "both", "scheduled", False) for i in range(count)]


def loaded(customers: int, invoices: int) -> SyncOutcome:
    outcome = SyncOutcome(None, SyncStatus.COMPLETED, processed=customers + invoices, successful=customers + invoices)
    outcome.loaded = {"customers": customers, "invoices": invoices}
    return outcome


class FakeSyncs:
    """Records every attempt; each tenant's attempts fail with the errors given, then load 10 + 20 records."""

    def __init__(self, failures: dict[str, list[Exception]] | None = None, seconds: float = 0.0) -> None:
        self.failures = failures or {}
        self.seconds = seconds
        self.attempts: Counter[str] = Counter()
        self.running = 0
        self.most_running = 0
        self._lock = threading.Lock()

    def __call__(self, target: SyncTarget) -> SyncOutcome:
        with self._lock:
            self.attempts[target.label] += 1
            attempt = self.attempts[target.label]
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        try:
            time.sleep(self.seconds)
            errors = self.failures.get(target.label, [])
            if attempt <= len(errors):
                raise errors[attempt - 1]
            return loaded(10, 20)
        finally:
            with self._lock:
                self.running -= 1


def test_every_tenant_syncs_a_bounded_number_at_a_time() -> None:
    syncs = FakeSyncs(seconds=0.02)
    report = run_batch(targets(20), syncs, FAST)
    assert [r.status for r in report.results] == ["completed"] * 20
    assert set(syncs.attempts.values()) == {1}
    assert 1 < syncs.most_running <= 4  # concurrent, and never more than the workers
    assert report.loaded() == {
        "customers": {"records": 200, "tenants": 20},
        "invoices": {"records": 400, "tenants": 20},
    }


def test_one_tenant_failing_completes_every_other_and_is_retried_alone() -> None:
    flaky = TransientError("Tenant 3: /customers timed out", endpoint="/customers")
    refused = BadCredentialsError("tenant 5 (integration): ServiceTitan refused the client credentials", status=400)
    syncs = FakeSyncs({"Tenant 3": [flaky, flaky], "Tenant 5": [refused]})
    report = run_batch(targets(8), syncs, FAST)
    by_label = {r.target.label: r for r in report.results}
    # The transient failure is tried again until it succeeds; the refused credentials once only; the others once.
    assert (by_label["Tenant 3"].status, by_label["Tenant 3"].attempts) == ("completed", 3)
    assert (by_label["Tenant 5"].status, by_label["Tenant 5"].attempts) == ("failed", 1)
    assert by_label["Tenant 5"].error == "tenant 5 (integration): ServiceTitan refused the client credentials"
    assert syncs.attempts == Counter({f"Tenant {i}": 3 if i == 3 else 1 for i in range(8)})
    assert [r.target.label for r in report.failed] == ["Tenant 5"]
    summary = report.summary()
    assert (summary["tenants"], summary["completed"], summary["failed"]) == (8, 7, ["Tenant 5"])
    assert summary["loaded"]["customers"] == {"records": 70, "tenants": 7}
    assert report.failure_message() == (
        "1 of 8 tenants of this batch failed (the others completed): "
        "Tenant 5: tenant 5 (integration): ServiceTitan refused the client credentials"
    )


def test_attempts_are_bounded() -> None:
    down = TransientError("Tenant 0: the auth server answered 503", status=503)
    syncs = FakeSyncs({"Tenant 0": [down] * 10})
    report = run_batch(targets(2), syncs, FAST)
    assert syncs.attempts == Counter({"Tenant 0": 3, "Tenant 1": 1})
    assert [(r.target.label, r.status, r.attempts) for r in report.failed] == [("Tenant 0", "failed", 3)]


def test_a_waiting_retry_does_not_hold_a_worker() -> None:
    # One worker; tenant 0 fails and waits a long while to retry: tenant 1 runs meanwhile, not after it.
    slow_retry = BatchSettings(workers=1, attempts=2, retry_delay_seconds=0.3)
    syncs = FakeSyncs({"Tenant 0": [TransientError("Tenant 0: timed out")]})
    order: list[str] = []

    def sync_one(target: SyncTarget) -> SyncOutcome:
        order.append(target.label)
        return syncs(target)

    report = run_batch(targets(2), sync_one, slow_retry)
    assert order == ["Tenant 0", "Tenant 1", "Tenant 0"]
    assert not report.failed


def test_backoff_is_exponential_and_bounded() -> None:
    settings = BatchSettings(retry_delay_seconds=10, max_retry_delay_seconds=60)
    assert [settings.retry_delay(n) for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]


@pytest.mark.parametrize(
    ("error", "retriable"),
    [
        (TransientError("timed out"), True),
        (BadCredentialsError("refused"), False),
        (OverlappingSyncError("busy"), False),
        (CredentialUnavailableError("removed"), False),
        (RuntimeError("the database connection dropped"), True),
    ],
)
def test_what_is_retried(error: Exception, retriable: bool) -> None:
    assert is_retriable(error) is retriable


def test_the_log_names_each_tenant_and_counts_progress(caplog: pytest.LogCaptureFixture) -> None:
    syncs = FakeSyncs({"Tenant 1": [BadCredentialsError("Tenant 1: refused")]})
    with caplog.at_level(logging.INFO, logger="servicetitan_pipeline.sync"):
        run_batch(targets(3), syncs, FAST)
    messages = [record.getMessage() for record in caplog.records]
    assert "tenants: 3 to sync, 3 at a time" in messages
    assert any(m.startswith("Tenant 0: completed, 30 records (30 loaded, 0 bad) in ") for m in messages)
    assert any(
        m.startswith("Tenant 1: failed after 1 attempt(s) in ") and m.endswith(": Tenant 1: refused") for m in messages
    )
    assert messages[-1] == "tenants: 2 done, 1 failed, 0 to do"


def test_no_tenants() -> None:
    assert run_batch([], FakeSyncs(), FAST).results == []


def test_every_line_of_a_tenant_names_it(caplog: pytest.LogCaptureFixture) -> None:
    client_log = logging.getLogger("servicetitan_pipeline.servicetitan")

    def sync_one(target: SyncTarget) -> SyncOutcome:
        # As the API client logs: the tenant id and connection, not the company.
        client_log.warning(
            "tenant %s (integration): GET /customers answered 503; retrying in 0.1 s", target.credential_id
        )
        return loaded(1, 1)

    with caplog.at_level(logging.INFO):
        run_batch(targets(2), sync_one, FAST)
    client_lines = sorted(r.getMessage() for r in caplog.records if r.name == "servicetitan_pipeline.servicetitan")
    assert client_lines == [
        "Tenant 0: tenant id-0 (integration): GET /customers answered 503; retrying in 0.1 s",
        "Tenant 1: tenant id-1 (integration): GET /customers answered 503; retrying in 0.1 s",
    ]
    # Lines that already start with the label are left alone.
    assert any(r.getMessage().startswith("Tenant 0: completed,") for r in caplog.records)
    assert not any(r.getMessage().startswith("Tenant 0: Tenant 0") for r in caplog.records)
