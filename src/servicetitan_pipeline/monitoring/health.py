"""``ServiceTitanHealthCheck``: is the pipeline healthy right now? Five checks, each healthy, degraded or
unhealthy with its details; the overall status is the worst of them. Never reports a secret."""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicetitan_pipeline.airflow_variables import (
    Reader,
    server_variable,
    settings_from_variables,
    settings_groups,
    stored_legacy_variables,
    variable_for_legacy,
)
from servicetitan_pipeline.alerts.settings import AlertSettings
from servicetitan_pipeline.db.engine import get_engine
from servicetitan_pipeline.db.models import ServiceTitanCredential, ServiceTitanCredentialSyncSummary
from servicetitan_pipeline.sql_files import load_sql


class HealthStatus(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {HealthStatus.HEALTHY: 0, HealthStatus.DEGRADED: 1, HealthStatus.UNHEALTHY: 2}


def worst(statuses: list[HealthStatus]) -> HealthStatus:
    return max(statuses, key=lambda s: s.rank, default=HealthStatus.HEALTHY)


@dataclass
class CheckResult:
    name: str
    status: HealthStatus
    details: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # Each problem's own status, in the order of ``problems``, where they differ (empty: the check's for all).
    statuses: list[HealthStatus] = field(default_factory=list)

    def problem_status(self, index: int) -> HealthStatus:
        return self.statuses[index] if self.statuses else self.status

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status.value, "problems": self.problems, "details": self.details}


@dataclass
class HealthReport:
    status: HealthStatus
    checked_at: datetime
    checks: dict[str, CheckResult]

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "checked_at": self.checked_at.isoformat(),
            "checks": {name: check.as_dict() for name, check in self.checks.items()},
        }


def _label(company: str, environment: str, tenant_id: int) -> str:
    return f"{company} ({environment}, tenant {tenant_id})"


class ApiProbeCache:
    """The last api_connectivity result, reused for ``seconds`` (docs/operations.md) while the sample is the
    same credentials: every view of the health page would otherwise ask ServiceTitan for a fresh token for
    each sampled tenant. A changed sample (a credential added, disabled, reconnected) is probed at once."""

    def __init__(self, seconds: float = 60.0) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._entry: tuple[Hashable, float, CheckResult] | None = None

    def get(self, key: Hashable, probe: Callable[[], CheckResult]) -> CheckResult:
        with self._lock:  # concurrent page views share one probe
            now = time.monotonic()
            if self._entry is not None and self._entry[0] == key and now - self._entry[1] < self.seconds:
                _key, cached_at, result = self._entry
                details = {**result.details, "cached_seconds_ago": round(now - cached_at, 1)}
                return CheckResult(result.name, result.status, details, list(result.problems))
            result = probe()
            self._entry = (key, time.monotonic(), result)
            return result


def _default_authenticate(credential: ServiceTitanCredential) -> None:
    from servicetitan_pipeline.servicetitan.hook import ServiceTitanHook

    client = ServiceTitanHook(credential.airflow_conn_id).client
    try:
        client.authenticate()
    finally:
        client.close()


class ServiceTitanHealthCheck:
    """Runs the four checks against the project's database (and ServiceTitan, for api_connectivity).

    Thresholds (all constructor arguments):

    - ``secret_expiry_warning_days`` (7): a client secret expiring within this many days degrades.
    - ``api_sample_size`` (3) and ``api_timeout_seconds`` (10): how many active credentials ask for a
      token, and how long the whole probe may take; a credential that does not answer in time fails.
    - ``sync_window_hours`` (24): the window of ``recent_syncs``; ``failure_rate_degraded`` (0.1) and
      ``failure_rate_unhealthy`` (0.5) of its finished syncs.
    - ``stuck_after_hours`` (2): a row still running after this long degrades.
    - ``stale_after_hours`` (48): an active credential without a successful sync for this long degrades;
      judged from its onboarding, so a credential added minutes ago is not stale.
    - ``api_cache``: an ``ApiProbeCache`` to reuse the API probe's result for a while (the web page's).
    - ``db_latency_degraded_ms`` (500), ``disk_free_degraded_fraction`` (0.10),
      ``disk_free_unhealthy_fraction`` (0.02), ``memory_degraded_mb`` (2048) for ``system_resources``.
    """

    CHECKS = ("credentials", "api_connectivity", "recent_syncs", "system_resources", "settings")

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        secret_expiry_warning_days: int = 7,
        api_sample_size: int = 3,
        api_timeout_seconds: float = 10.0,
        sync_window_hours: int = 24,
        failure_rate_degraded: float = 0.1,
        failure_rate_unhealthy: float = 0.5,
        stuck_after_hours: float = 2,
        stale_after_hours: float = 48,
        db_latency_degraded_ms: float = 500,
        disk_free_degraded_fraction: float = 0.10,
        disk_free_unhealthy_fraction: float = 0.02,
        memory_degraded_mb: float = 2048,
        disk_path: Path | None = None,
        authenticate: Callable[[ServiceTitanCredential], None] = _default_authenticate,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        api_cache: ApiProbeCache | None = None,
        read_variable: Reader = server_variable,
        legacy_variables: Callable[[], list[str]] | None = None,
    ) -> None:
        self.api_cache = api_cache
        self._read_variable = read_variable
        self._legacy_variables = legacy_variables or stored_legacy_variables
        self._engine = engine
        self.secret_expiry_warning_days = secret_expiry_warning_days
        self.api_sample_size = api_sample_size
        self.api_timeout_seconds = api_timeout_seconds
        self.sync_window_hours = sync_window_hours
        self.failure_rate_degraded = failure_rate_degraded
        self.failure_rate_unhealthy = failure_rate_unhealthy
        self.stuck_after_hours = stuck_after_hours
        self.stale_after_hours = stale_after_hours
        self.db_latency_degraded_ms = db_latency_degraded_ms
        self.disk_free_degraded_fraction = disk_free_degraded_fraction
        self.disk_free_unhealthy_fraction = disk_free_unhealthy_fraction
        self.memory_degraded_mb = memory_degraded_mb
        self.disk_path = disk_path
        self._authenticate = authenticate
        self._now = now

    @classmethod
    def configured(cls, alerts: AlertSettings, **kwargs: Any) -> ServiceTitanHealthCheck:
        """With the alert rules' thresholds (the Variable servicetitan_alert_settings), so that the page and
        Slack agree on what is stale, stuck or about to expire."""
        return cls(
            secret_expiry_warning_days=alerts.secret_expiry_days,
            api_sample_size=alerts.api_sample_size,
            stuck_after_hours=alerts.running_timeout_minutes / 60,
            stale_after_hours=alerts.stale_sync_hours,
            **kwargs,
        )

    @property
    def engine(self) -> Engine:
        # Resolved on first use, not at construction: building a check must not need the database.
        return self._engine or get_engine()

    def run(self) -> HealthReport:
        results: dict[str, CheckResult] = {}
        for name in self.CHECKS:
            try:
                results[name] = getattr(self, f"check_{name}")()
            except Exception as exc:  # a check that cannot run is itself a finding
                results[name] = CheckResult(
                    name, HealthStatus.UNHEALTHY, {"error": type(exc).__name__}, [f"check failed: {_short(exc)}"]
                )
        return HealthReport(worst([r.status for r in results.values()]), self._now(), results)

    # -- credentials -----------------------------------------------------------------------------------------

    def check_credentials(self) -> CheckResult:
        now = self._now()
        soon = now + timedelta(days=self.secret_expiry_warning_days)
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    ServiceTitanCredential.id,
                    ServiceTitanCredential.airflow_conn_id,
                    ServiceTitanCredential.last_error,
                    ServiceTitanCredentialSyncSummary.last_failure_at,
                    ServiceTitanCredential.company_name,
                    ServiceTitanCredential.environment,
                    ServiceTitanCredential.tenant_id,
                    ServiceTitanCredential.connection_status,
                    ServiceTitanCredential.is_active,
                    ServiceTitanCredential.client_secret_expires_at,
                    ServiceTitanCredential.token_expires_at,
                ).outerjoin(
                    ServiceTitanCredentialSyncSummary,
                    ServiceTitanCredentialSyncSummary.credential_id == ServiceTitanCredential.id,
                )
            ).all()
        by_status: dict[str, int] = {}
        in_error: list[dict[str, Any]] = []
        expiring: list[dict[str, Any]] = []
        expired: list[dict[str, Any]] = []
        valid_tokens = 0
        for row in rows:
            status = str(getattr(row.connection_status, "value", row.connection_status))
            by_status[status] = by_status.get(status, 0) + 1
            label = _label(row.company_name, str(getattr(row.environment, "value", row.environment)), row.tenant_id)
            if not row.is_active:
                continue
            if status == "error":
                in_error.append(
                    {
                        **_ref(row.id, row.airflow_conn_id, label),
                        "last_error": _short_text(row.last_error) if row.last_error else None,
                        "last_failure_at": row.last_failure_at.isoformat() if row.last_failure_at else None,
                    }
                )
            if row.token_expires_at is not None and row.token_expires_at > now:
                valid_tokens += 1
            expires = row.client_secret_expires_at
            if expires is not None and expires <= soon:
                entry = {**_ref(row.id, row.airflow_conn_id, label), "expires_at": expires.isoformat()}
                (expired if expires <= now else expiring).append(entry)
        active = sum(1 for row in rows if row.is_active)
        problems: list[str] = []
        status_ = HealthStatus.HEALTHY
        if in_error:
            labels = ", ".join(e["credential"] for e in in_error)
            problems.append(f"{len(in_error)} active credential(s) in error: {labels}")
            status_ = HealthStatus.UNHEALTHY if len(in_error) == active else HealthStatus.DEGRADED
        if expired:
            problems.append(f"{len(expired)} client secret(s) expired")
            status_ = HealthStatus.UNHEALTHY
        if expiring:
            problems.append(f"{len(expiring)} client secret(s) expire within {self.secret_expiry_warning_days} days")
            status_ = worst([status_, HealthStatus.DEGRADED])
        details = {
            "total": len(rows),
            "active": active,
            "by_status": by_status,
            "active_in_error": in_error,
            "secrets_expiring": expiring,
            "secrets_expired": expired,
            "tokens_valid": valid_tokens,
        }
        return CheckResult("credentials", status_, details, problems)

    # -- api_connectivity ------------------------------------------------------------------------------------

    def check_api_connectivity(self) -> CheckResult:
        sample = self._api_sample()
        if self.api_cache is not None:
            key = tuple((c.id, c.airflow_conn_id, c.updated_at) for c in sample)
            return self.api_cache.get(key, lambda: self._probe_api(sample))
        return self._probe_api(sample)

    def _api_sample(self) -> list[ServiceTitanCredential]:
        with Session(self.engine, expire_on_commit=False) as session:
            sample = (
                session.execute(
                    sa.select(ServiceTitanCredential)
                    .where(ServiceTitanCredential.is_active.is_(True))
                    .order_by(ServiceTitanCredential.last_connected_at.desc().nulls_last(), ServiceTitanCredential.id)
                    .limit(self.api_sample_size)
                )
                .scalars()
                .all()
            )
            session.expunge_all()
        return list(sample)

    def _probe_api(self, sample: list[ServiceTitanCredential]) -> CheckResult:
        if not sample:
            return CheckResult("api_connectivity", HealthStatus.HEALTHY, {"checked": 0, "ok": [], "failed": []})
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(sample), thread_name_prefix="health-api")
        started = time.monotonic()
        futures = {pool.submit(self._timed_authenticate, credential): credential for credential in sample}
        _done, not_done = concurrent.futures.wait(futures, timeout=self.api_timeout_seconds)
        pool.shutdown(wait=False, cancel_futures=True)
        ok: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for future, credential in futures.items():
            if future in not_done:
                failed.append(
                    {
                        **_ref(credential.id, credential.airflow_conn_id, credential.label),
                        "error": "TimeoutError",
                        "message": f"no token within {self.api_timeout_seconds:g} s",
                    }
                )
                continue
            exc = future.exception()
            if exc is None:
                ok.append({"credential": credential.label, "latency_ms": round(future.result(), 1)})
            else:
                failed.append(
                    {
                        **_ref(credential.id, credential.airflow_conn_id, credential.label),
                        "error": type(exc).__name__,
                        "message": _short(exc),
                    }
                )
        details = {
            "checked": len(sample),
            "ok": ok,
            "failed": failed,
            "elapsed_ms": round((time.monotonic() - started) * 1000, 1),
        }
        if not failed:
            status_ = HealthStatus.HEALTHY
        elif not ok:
            status_ = HealthStatus.UNHEALTHY
        else:
            status_ = HealthStatus.DEGRADED
        problems = [f"{f['credential']}: {f['error']}: {f['message']}" for f in failed]
        return CheckResult("api_connectivity", status_, details, problems)

    def _timed_authenticate(self, credential: ServiceTitanCredential) -> float:
        started = time.monotonic()
        self._authenticate(credential)
        return (time.monotonic() - started) * 1000

    # -- recent_syncs ----------------------------------------------------------------------------------------

    def check_recent_syncs(self) -> CheckResult:
        now = self._now()
        since = now - timedelta(hours=self.sync_window_hours)
        with self.engine.connect() as conn:
            counts = conn.execute(sa.text(load_sql("monitoring/count_recent_syncs")), {"since": since}).one()
            stuck = conn.execute(
                sa.text(load_sql("monitoring/select_stuck_syncs")),
                {"started_before": now - timedelta(hours=self.stuck_after_hours)},
            ).all()
            stale = conn.execute(
                sa.text(load_sql("monitoring/select_stale_credentials")),
                {"since": now - timedelta(hours=self.stale_after_hours)},
            ).all()
        finished = counts.completed + counts.failed
        failure_rate = counts.failed / finished if finished else 0.0
        problems: list[str] = []
        status_ = HealthStatus.HEALTHY
        if finished and failure_rate >= self.failure_rate_unhealthy:
            status_ = HealthStatus.UNHEALTHY
            problems.append(f"{failure_rate:.0%} of the syncs of the last {self.sync_window_hours} h failed")
        elif finished and failure_rate >= self.failure_rate_degraded:
            status_ = HealthStatus.DEGRADED
            problems.append(f"{failure_rate:.0%} of the syncs of the last {self.sync_window_hours} h failed")
        if stuck:
            status_ = worst([status_, HealthStatus.DEGRADED])
            problems.append(f"{len(stuck)} sync(s) running for more than {self.stuck_after_hours:g} h")
        if stale:
            status_ = worst([status_, HealthStatus.DEGRADED])
            problems.append(
                f"{len(stale)} active credential(s) without a successful sync in {self.stale_after_hours:g} h"
            )
        details = {
            "window_hours": self.sync_window_hours,
            "completed": counts.completed,
            "failed": counts.failed,
            "running": counts.running,
            "failure_rate": round(failure_rate, 4),
            "stuck_running": [
                {
                    **_ref(r.credential_id, r.airflow_conn_id, _label(r.company_name, r.environment, r.tenant_id)),
                    "data_type": r.data_type,
                    "started_at": r.started_at.isoformat(),
                }
                for r in stuck
            ],
            "stale_credentials": [
                {
                    **_ref(r.id, r.airflow_conn_id, _label(r.company_name, r.environment, r.tenant_id)),
                    "onboarded_at": r.created_at.isoformat(),
                    "last_success_at": r.last_success_at.isoformat() if r.last_success_at else None,
                    "last_failure_at": r.last_failure_at.isoformat() if r.last_failure_at else None,
                }
                for r in stale
            ],
        }
        return CheckResult("recent_syncs", status_, details, problems)

    # -- system_resources ------------------------------------------------------------------------------------

    def check_system_resources(self) -> CheckResult:
        import psutil

        problems: list[str] = []
        status_ = HealthStatus.HEALTHY
        details: dict[str, Any] = {}
        try:
            with self.engine.connect() as conn:
                # Latency of a round trip on an open connection (opening one is timed by the pool, not here).
                started = time.monotonic()
                conn.execute(sa.text("SELECT 1"))
                latency_ms = (time.monotonic() - started) * 1000
                size = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one()
            details["database"] = {"reachable": True, "latency_ms": round(latency_ms, 1), "size_bytes": int(size)}
            if latency_ms > self.db_latency_degraded_ms:
                status_ = HealthStatus.DEGRADED
                problems.append(f"database answered in {latency_ms:.0f} ms")
        except Exception as exc:
            details["database"] = {"reachable": False, "error": type(exc).__name__}
            status_ = HealthStatus.UNHEALTHY
            problems.append(f"database unreachable: {type(exc).__name__}")
        path = self.disk_path or Path(os.environ.get("AIRFLOW_HOME") or Path.cwd())
        if not path.exists():
            path = Path.cwd()
        usage = shutil.disk_usage(path)
        free_fraction = usage.free / usage.total if usage.total else 1.0
        details["disk"] = {
            "path": str(path),
            "total_bytes": usage.total,
            "free_bytes": usage.free,
            "free_fraction": round(free_fraction, 4),
        }
        if free_fraction < self.disk_free_unhealthy_fraction:
            status_ = HealthStatus.UNHEALTHY
            problems.append(f"only {free_fraction:.1%} of the disk is free at {path}")
        elif free_fraction < self.disk_free_degraded_fraction:
            status_ = worst([status_, HealthStatus.DEGRADED])
            problems.append(f"only {free_fraction:.1%} of the disk is free at {path}")
        rss_mb = psutil.Process().memory_info().rss / 1024 / 1024
        details["memory"] = {"process_rss_mb": round(rss_mb, 1), "system_percent": psutil.virtual_memory().percent}
        if rss_mb > self.memory_degraded_mb:
            status_ = worst([status_, HealthStatus.DEGRADED])
            problems.append(f"this process uses {rss_mb:.0f} MB")
        return CheckResult("system_resources", status_, details, problems)

    # -- settings ---------------------------------------------------------------------------------------------

    def check_settings(self) -> CheckResult:
        """The settings Variables parse (else the monitors and syncs fail on them: unhealthy), and no per-field
        Variable of an earlier release is left, ignored (degraded: a threshold someone set is not applied)."""
        problems: list[str] = []
        invalid: list[str] = []
        groups = settings_groups()
        for cls, variable in groups:
            try:
                settings_from_variables(cls, variable, self._read_variable)
            except ValueError as exc:
                invalid.append(variable)
                problems.append(f"{exc}. The tasks that read it fail until it is fixed.")
        legacy = self._legacy_variables()
        for key in legacy:
            variable, field_name = variable_for_legacy(key)
            problems.append(
                f'Airflow Variable {key} is no longer read: set "{field_name}" in the Variable {variable} '
                "instead (a JSON object), then delete it (`servicetitan settings upgrade-variables` does both)"
            )
        statuses = [HealthStatus.UNHEALTHY] * len(invalid) + [HealthStatus.DEGRADED] * len(legacy)
        details = {"variables": [variable for _cls, variable in groups], "invalid": invalid, "no_longer_read": legacy}
        return CheckResult("settings", worst(statuses), details, problems, statuses)


def _ref(credential_id: Any, airflow_conn_id: str, label: str) -> dict[str, Any]:
    """How a finding names its credential: the label for people, the id and connection for the page's links."""
    return {"credential": label, "credential_id": str(credential_id), "airflow_conn_id": airflow_conn_id}


def _short(exc: BaseException, limit: int = 300) -> str:
    return _short_text(str(exc) or type(exc).__name__, limit)


def _short_text(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run_health_check(engine: Engine | None = None, **thresholds: Any) -> HealthReport:
    """The report with the default thresholds (or the ones given)."""
    return ServiceTitanHealthCheck(engine, **thresholds).run()
