"""The project's metrics (the sync, API and credential names below), sent through Airflow's metrics API, so they go
wherever the deployment's StatsD or OpenTelemetry settings send Airflow's own."""

from __future__ import annotations

from typing import Any, Protocol

from servicetitan_pipeline.servicetitan.client import CallReport


class MetricsBackend(Protocol):
    def incr(self, stat: str, count: int = 1, *, tags: dict[str, Any]) -> None: ...
    def gauge(self, stat: str, value: float, *, tags: dict[str, Any]) -> None: ...
    def timing(self, stat: str, milliseconds: float, *, tags: dict[str, Any]) -> None: ...


class AirflowMetrics:
    """The real backend: ``airflow.sdk.observability.stats``."""

    def incr(self, stat: str, count: int = 1, *, tags: dict[str, Any]) -> None:
        from airflow.sdk.observability import stats

        stats.incr(stat, count, tags=tags)

    def gauge(self, stat: str, value: float, *, tags: dict[str, Any]) -> None:
        from airflow.sdk.observability import stats

        stats.gauge(stat, value, tags=tags)

    def timing(self, stat: str, milliseconds: float, *, tags: dict[str, Any]) -> None:
        from airflow.sdk.observability import stats

        stats.timing(stat, milliseconds, tags=tags)


class SyncMetrics:
    """The names and tags; one instance per sync (its tags: company, environment, data type)."""

    def __init__(self, backend: MetricsBackend, *, company: str, environment: str, data_type: str) -> None:
        self._backend = backend
        self._tags = {"company": company, "environment": environment, "data_type": data_type}
        # This sync's API figures, kept for the dashboard's history (see api_snapshot).
        self.api_requests = 0
        self.api_errors = 0
        self._api_milliseconds = 0.0
        # Per endpoint: requests, errors, 429s, circuit openings and milliseconds.
        self._by_endpoint: dict[str, list[float]] = {}

    def sync_started(self) -> None:
        self._backend.incr("servicetitan.sync.started", tags=self._tags)

    def sync_finished(self, status: str, seconds: float, processed: int, successful: int, failed: int) -> None:
        tags = {**self._tags, "status": status}
        self._backend.incr("servicetitan.sync.completed", tags=tags)
        self._backend.timing("servicetitan.sync.duration", seconds * 1000, tags=tags)
        self._backend.incr("servicetitan.sync.records_processed", processed, tags=tags)
        self._backend.incr("servicetitan.sync.records_successful", successful, tags=tags)
        self._backend.incr("servicetitan.sync.records_failed", failed, tags=tags)
        if processed:
            self._backend.gauge("servicetitan.sync.success_rate", 100.0 * successful / processed, tags=tags)

    def api_call(self, report: CallReport) -> None:
        self.api_requests += 1
        self.api_errors += 1 if report.error else 0
        self._api_milliseconds += report.duration_seconds * 1000
        figures = self._by_endpoint.setdefault(report.endpoint, [0, 0, 0, 0, 0.0])
        figures[0] += 1
        figures[1] += 1 if report.error else 0
        figures[2] += 1 if report.status == 429 else 0
        figures[3] += 1 if report.opened_circuit else 0
        figures[4] += report.duration_seconds * 1000
        tags = {**self._tags, "endpoint": report.endpoint, "status": str(report.status or "none")}
        self._backend.incr("servicetitan.api.requests", tags=tags)
        self._backend.timing("servicetitan.api.response_time", report.duration_seconds * 1000, tags=tags)
        if report.error:
            self._backend.incr("servicetitan.api.errors", tags={**tags, "error": report.error})

    def credential_state(self, status: str, token_expiry_seconds: float | None) -> None:
        self._backend.gauge("servicetitan.credentials.status", 1, tags={**self._tags, "status": status})
        if token_expiry_seconds is not None:
            self._backend.gauge("servicetitan.credentials.token_expiry_seconds", token_expiry_seconds, tags=self._tags)

    def api_snapshot(self) -> list[tuple[str, float, dict[str, Any]]]:
        """(name, value, tags) rows for servicetitan_metric_snapshots: this sync's requests, mean response
        time, failed requests, 429 answers and circuit-breaker openings, per endpoint. Counts of one sync, so
        the dashboard adds them up per hour (zero counts are left out)."""
        rows: list[tuple[str, float, dict[str, Any]]] = []
        for endpoint, (requests, errors, rate_limited, openings, milliseconds) in sorted(self._by_endpoint.items()):
            tags = {**self._tags, "endpoint": endpoint}
            rows.append(("servicetitan.api.requests", float(requests), tags))
            rows.append(("servicetitan.api.response_time_ms", milliseconds / requests, tags))
            for name, value in (
                ("servicetitan.api.request_errors", errors),
                ("servicetitan.api.rate_limited", rate_limited),
                ("servicetitan.api.circuit_opened", openings),
            ):
                if value:
                    rows.append((name, float(value), tags))
        return rows


class DataQualityMetrics:
    """The anomaly rules' figures, under servicetitan.data_quality.*. Tagged by rule, resource and change kind
    only, never by tenant: a handful of series whatever the number of tenants (5,000 tenants as tags would be
    5,000 series per name); which tenants are anomalous is in the alerts and the dashboard."""

    def __init__(self, backend: MetricsBackend) -> None:
        self._backend = backend

    def anomalies(self, rule: str, *, firing: int, judged: int) -> None:
        """One anomaly rule's run: subjects found anomalous and subjects judged."""
        self._backend.gauge("servicetitan.data_quality.anomalies", firing, tags={"rule": rule})
        self._backend.gauge("servicetitan.data_quality.anomalies_judged", judged, tags={"rule": rule})

    def freshness_lags(self, resource: str, lags_seconds: list[float]) -> None:
        """The freshness lag (now minus the newest modifiedOn loaded) across the tenants judged: its median,
        95th percentile and maximum, as gauges."""
        if not lags_seconds:
            return
        ordered = sorted(lags_seconds)
        for stat, value in (
            ("p50", ordered[len(ordered) // 2]),
            ("p95", ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]),
            ("max", ordered[-1]),
        ):
            self._backend.gauge(
                "servicetitan.data_quality.freshness_lag_seconds", value, tags={"resource": resource, "stat": stat}
            )

    def schema_changes(self, resource: str, changes: dict[str, int]) -> None:
        """Fields appeared, disappeared or retyped within the drift window, summed over the tenants judged."""
        for change, fields in changes.items():
            self._backend.gauge(
                "servicetitan.data_quality.schema_changes", fields, tags={"resource": resource, "change": change}
            )
