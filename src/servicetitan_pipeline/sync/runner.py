"""One sync attempt of one credential: lock, log, fetch page by page, load, checkpoint, close the log.

Everything here runs without a scheduler; the DAG's task calls ``run_sync`` and nothing else.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy.engine import Engine

from servicetitan_pipeline.db.connection_pool import Connections, DirectConnections
from servicetitan_pipeline.db.engine import get_engine, psycopg_conninfo, session_scope
from servicetitan_pipeline.db.enums import ConnectionStatus, DataType, SyncStatus, SyncType
from servicetitan_pipeline.db.models import ServiceTitanCredential, ServiceTitanMetricSnapshot
from servicetitan_pipeline.metrics import AirflowMetrics, MetricsBackend, SyncMetrics
from servicetitan_pipeline.servicetitan.client import CallReport, ServiceTitanClient
from servicetitan_pipeline.servicetitan.cursors import ExportCursor
from servicetitan_pipeline.servicetitan.errors import BadCredentialsError, MissingPermissionError, ServiceTitanError
from servicetitan_pipeline.sync.loader import PageLoader
from servicetitan_pipeline.sync.locks import SyncLocks
from servicetitan_pipeline.sync.prefetch import prefetched
from servicetitan_pipeline.sync.progress import Progress
from servicetitan_pipeline.sync.sync_log import AirflowTaskRef, Clock, SyncLogWriter, close_abandoned, utc_now
from servicetitan_pipeline.sync.tables import TABLES, TableSpec
from servicetitan_pipeline.sync.targets import SyncTarget

log = logging.getLogger("servicetitan_pipeline.sync")

FAILED_RECORD_SAMPLE = 50
ClientFactory = Callable[[ServiceTitanCredential, Callable[[CallReport], None]], ServiceTitanClient]


class OverlappingSyncError(RuntimeError):
    """Another sync of the same credential and data is running; this attempt did nothing."""


class CredentialUnavailableError(RuntimeError):
    """The credential was removed or disabled after the run was planned."""


@dataclass
class SyncOutcome:
    sync_log_id: uuid.UUID | None
    status: SyncStatus
    processed: int = 0
    successful: int = 0
    failed: int = 0
    changed: int = 0
    abandoned_rows_closed: int = 0
    # Records loaded per resource (customers, invoices): what the run's asset events announce.
    loaded: dict[str, int] = field(default_factory=dict)
    failed_records: list[dict[str, Any]] = field(default_factory=list)


def hook_client(credential: ServiceTitanCredential, on_call: Callable[[CallReport], None]) -> ServiceTitanClient:
    from servicetitan_pipeline.servicetitan.hook import ServiceTitanHook

    return ServiceTitanHook(credential.airflow_conn_id, on_call=on_call).client


def run_sync(
    target: SyncTarget,
    *,
    engine: Engine | None = None,
    make_client: ClientFactory = hook_client,
    metrics_backend: MetricsBackend | None = None,
    closed_by: str = "servicetitan_sync",
    connections: Connections | None = None,
    airflow_task: AirflowTaskRef | None = None,
    clock: Clock = utc_now,
) -> SyncOutcome:
    """``connections``: where the tenant's connection (its locks and loads) comes from; a pool when many tenants
    sync in one process, else a new one. ``airflow_task``: the task instance running it, recorded on its row.
    ``clock``: the sync's time (its row's started_at and completed_at, what it observed of the source, the
    credential's last_connected_at); a simulation passes its own."""
    engine = engine or get_engine()
    credential_id = uuid.UUID(target.credential_id)
    data_type = DataType(target.data_type)
    with session_scope(engine) as session:
        credential = session.get(ServiceTitanCredential, credential_id)
        if credential is None or not credential.is_active:
            raise CredentialUnavailableError(f"{target.label} was removed or disabled after this run was planned")
        session.expunge(credential)
    metrics = SyncMetrics(
        metrics_backend or AirflowMetrics(),
        company=credential.company_name,
        environment=credential.environment.value,
        data_type=data_type.value,
    )
    writer = SyncLogWriter(engine, credential_id, SyncType(target.sync_type), data_type, airflow_task, clock=clock)
    connections = connections or DirectConnections(psycopg_conninfo(engine))
    # One connection per tenant: its session holds the locks, and each page loads in a transaction of its own.
    with connections.connection(autocommit=True) as connection:
        locks = SyncLocks(connection)
        busy = locks.try_acquire(credential_id, data_type.resources)
        if busy:
            message = (
                f"another sync of {', '.join(busy)} for {target.label} is running; this {target.sync_type} "
                "run did nothing (it would have loaded the same data twice). Run it again once that one ends"
            )
            log.warning(message)
            writer.finish(
                SyncStatus.FAILED,
                processed=0,
                successful=0,
                failed=0,
                error_message=message,
                error_details={"exception": "OverlappingSyncError", "busy_resources": busy},
            )
            raise OverlappingSyncError(message)
        try:
            closed = close_abandoned(
                connection,
                credential_id,
                data_type.overlapping,
                what_happened="the worker running this sync stopped before finishing",
                closing_note="Closed when the next sync of this credential started",
                closed_by=closed_by,
            )
            for row in closed:
                log.warning(
                    "%s: the sync started %s was left 'running' by a stopped worker: closed as failed with the %d "
                    "records it had committed (%d loaded, %d bad), which this sync does not read again",
                    target.label,
                    row.started_at,
                    row.processed,
                    row.successful,
                    row.failed,
                )
            writer.start()
            metrics.sync_started()
            outcome = _sync(target, credential, engine, connection, make_client, metrics, writer)
            outcome.abandoned_rows_closed = len(closed)
            return outcome
        finally:
            locks.release_all()


def _sync(
    target: SyncTarget,
    credential: ServiceTitanCredential,
    engine: Engine,
    connection: psycopg.Connection[Any],
    make_client: ClientFactory,
    metrics: SyncMetrics,
    writer: SyncLogWriter,
) -> SyncOutcome:
    started = time.monotonic()
    outcome = SyncOutcome(sync_log_id=writer.log_id, status=SyncStatus.RUNNING)
    client: ServiceTitanClient | None = None
    current: str | None = None
    log.info(
        "%s: %s sync of %s%s", target.label, target.sync_type, target.data_type, " (full refresh)" * target.full_refresh
    )
    try:
        client = make_client(credential, metrics.api_call)
        assert writer.log_id is not None  # started above
        assert writer.started_at is not None
        loader = PageLoader(connection, credential.id, writer.log_id, started_at=writer.started_at, clock=writer.clock)
        for resource in DataType(target.data_type).resources:
            current = resource
            _sync_resource(TABLES[resource], target, client, loader, outcome)
        current = None
    except Exception as exc:
        outcome.status = SyncStatus.FAILED
        _record_failure(target, credential, engine, writer, outcome, exc, current, client, metrics, started)
        raise
    outcome.status = SyncStatus.COMPLETED
    writer.finish(
        SyncStatus.COMPLETED,
        processed=outcome.processed,
        successful=outcome.successful,
        failed=outcome.failed,
        error_details=_details(outcome) if outcome.failed_records else None,
        error_message=f"{outcome.failed} bad record(s) skipped" if outcome.failed else None,
    )
    _mark_credential(engine, credential.id, client, error=None, status=ConnectionStatus.CONNECTED, now=writer.clock())
    _emit_finish(metrics, outcome, started, client)
    _persist_api_figures(engine, metrics, writer.clock())
    log.info(
        "%s: completed: %d records (%d loaded, %d bad, %d new or changed)",
        target.label,
        outcome.processed,
        outcome.successful,
        outcome.failed,
        outcome.changed,
    )
    return outcome


def _sync_resource(
    spec: TableSpec, target: SyncTarget, client: ServiceTitanClient, loader: PageLoader, outcome: SyncOutcome
) -> None:
    checkpoint = None if target.full_refresh else loader.checkpoint(spec)
    if checkpoint:
        log.info("%s %s: resuming from the stored export position", target.label, spec.resource.name)
    progress = Progress(target.label, spec.resource.name)
    for page in prefetched(client.export(spec.resource, ExportCursor(continue_from=checkpoint))):
        changed = loader.load(spec, page.records, page.checkpoint, bad=len(page.bad_records))
        outcome.processed += page.size
        outcome.successful += len(page.records)
        outcome.failed += len(page.bad_records)
        outcome.changed += changed
        outcome.loaded[spec.resource.name] = outcome.loaded.get(spec.resource.name, 0) + len(page.records)
        for bad in page.bad_records:
            if len(outcome.failed_records) < FAILED_RECORD_SAMPLE:
                outcome.failed_records.append(bad.describe())
        progress.page_done(len(page.records), len(page.bad_records), changed, page.has_more)
    loader.complete(spec)


def _details(outcome: SyncOutcome) -> dict[str, Any]:
    return {
        "failed_records": outcome.failed_records,
        "failed_records_total": outcome.failed,
        "failed_records_sample_size": len(outcome.failed_records),
    }


def _record_failure(
    target: SyncTarget,
    credential: ServiceTitanCredential,
    engine: Engine,
    writer: SyncLogWriter,
    outcome: SyncOutcome,
    exc: Exception,
    resource: str | None,
    client: ServiceTitanClient | None,
    metrics: SyncMetrics,
    started: float,
) -> None:
    details: dict[str, Any] = exc.details() if isinstance(exc, ServiceTitanError) else {"exception": type(exc).__name__}
    details["resource"] = resource
    details.update(_details(outcome))
    message = str(exc) or type(exc).__name__
    writer.finish(
        SyncStatus.FAILED,
        processed=outcome.processed,
        successful=outcome.successful,
        failed=outcome.failed,
        error_message=message,
        error_details=details,
    )
    from servicetitan_pipeline.servicetitan.hook import ConnectionConfigError

    broken_access = isinstance(exc, BadCredentialsError | MissingPermissionError | ConnectionConfigError)
    _mark_credential(
        engine,
        credential.id,
        client,
        error=message,
        status=ConnectionStatus.ERROR if broken_access else None,
        now=writer.clock(),
    )
    _emit_finish(metrics, outcome, started, client)
    _persist_api_figures(engine, metrics, writer.clock())
    log.error("%s: failed after %d records: %s", target.label, outcome.processed, message)


def _mark_credential(
    engine: Engine,
    credential_id: uuid.UUID,
    client: ServiceTitanClient | None,
    *,
    error: str | None,
    status: ConnectionStatus | None,
    now: datetime,
) -> None:
    token = client.token if client else None
    with session_scope(engine) as session:
        credential = session.get(ServiceTitanCredential, credential_id)
        if credential is None:
            return
        if status is not None:
            credential.connection_status = status
        credential.last_error = error
        if status is ConnectionStatus.CONNECTED:
            credential.last_connected_at = now
        if token is not None:
            credential.token_expires_at = token.expires_at


def _persist_api_figures(engine: Engine, metrics: SyncMetrics, now: datetime) -> None:
    """The dashboard's API-performance history: one snapshot per sync (StatsD keeps no history)."""
    rows = metrics.api_snapshot()
    if not rows:
        return
    with session_scope(engine) as session:
        session.add_all(
            ServiceTitanMetricSnapshot(collected_at=now, name=name, value=value, tags=tags)
            for name, value, tags in rows
        )


def _emit_finish(metrics: SyncMetrics, outcome: SyncOutcome, started: float, client: ServiceTitanClient | None) -> None:
    metrics.sync_finished(
        outcome.status.value, time.monotonic() - started, outcome.processed, outcome.successful, outcome.failed
    )
    token = client.token if client else None
    expiry = (token.expires_at - datetime.now(UTC)).total_seconds() if token else None
    metrics.credential_state(
        "connected" if outcome.status is SyncStatus.COMPLETED else "error",
        expiry,
    )
