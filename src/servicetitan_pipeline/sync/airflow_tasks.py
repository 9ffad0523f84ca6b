"""The bodies of servicetitan_sync's tasks: each DAG task makes exactly one call here."""

from __future__ import annotations

import logging
from typing import Any

from servicetitan_pipeline.db.engine import session_scope
from servicetitan_pipeline.db.enums import SyncType
from servicetitan_pipeline.sync.batch_runner import BatchReport, BatchSettings
from servicetitan_pipeline.sync.batches import batch_label, split
from servicetitan_pipeline.sync.expected_failures import ExpectedFailure
from servicetitan_pipeline.sync.targets import InvalidSyncParams, SyncTarget, plan_targets

log = logging.getLogger("servicetitan_pipeline.sync")

# The XCom key under which each batch leaves what it loaded, also when it fails (its good tenants loaded).
LOADED_KEY = "loaded"


class ParamsRefused(ExpectedFailure):
    """The trigger form's values name no credential to sync (a typo, a disabled one). Not retried, no traceback,
    and no Slack line: whoever triggered the run sees the refusal in the run; nothing is broken."""


def notify_failure(context: Any) -> None:
    """servicetitan_sync's ``on_failure_callback``: the Slack line for a failed task, except for a refused
    trigger form."""
    from servicetitan_pipeline.alerts.task_failure import notify_task_failure

    if isinstance(context.get("exception"), ParamsRefused):
        return
    notify_task_failure(context)


def plan(params: dict[str, Any], run_type: str) -> list[dict[str, Any]]:
    """Resolve the run's Params into targets, cut into batches (one mapped ``sync`` task each): at most
    ``batch_size`` tenants a batch (the Variable ``servicetitan_sync_settings``), and never more batches than
    ``[core] max_map_length`` allows. The XCom holds ids and labels, never a secret. Bad Params fail the run at once."""
    from airflow.sdk import conf

    sync_type = SyncType.MANUAL if run_type == "manual" else SyncType.SCHEDULED
    try:
        with session_scope() as session:
            targets = plan_targets(
                session,
                credential=str(params.get("credential") or "all"),
                data_type=str(params.get("data_type") or "both"),
                full_refresh=bool(params.get("full_refresh")),
                sync_type=sync_type.value,
            )
    except InvalidSyncParams as exc:
        # An expected refusal: one readable line saying what to do, then a failure Airflow neither retries nor
        # follows with a traceback. The syncs, validation and asset updates after it are then upstream_failed.
        log.error("refused: %s", exc)
        raise ParamsRefused(str(exc)) from None
    if not targets:
        log.warning("no active credentials to sync: onboard one with `servicetitan credentials add`")
        return []
    settings = BatchSettings.from_variables()
    max_map_length = conf.getint("core", "max_map_length")
    batches = split(targets, settings.batch_size, max_map_length)
    log.info(
        "will sync %d tenant(s) (%s, %s) in %d batch(es) of up to %d (batch_size %d in servicetitan_sync_settings, "
        "[core] max_map_length %d)",
        len(targets),
        targets[0].data_type,
        targets[0].sync_type,
        len(batches),
        max(len(batch) for batch in batches),
        settings.batch_size,
        max_map_length,
    )
    planned: list[dict[str, Any]] = []
    start = 0
    for batch in batches:
        label = batch_label([target.label for target in batch], start, len(targets))
        log.info("batch %d: %s", len(planned), label)
        planned.append({"label": label, "targets": [target.to_xcom() for target in batch]})
        start += len(batch)
    return planned


class TenantsFailed(ExpectedFailure):
    """Tenants of a batch failed (after their retries in the batch). An expected failure, so Airflow does not
    retry the task (that would sync the batch's good tenants again) and logs no traceback (the batch's log
    already told each tenant's outcome). ``failed_tenants`` names them for the Slack failure line."""

    def __init__(self, report: BatchReport) -> None:
        super().__init__(report.failure_message())
        self.failed_tenants = [result.target.label for result in report.failed]
        # Per failed tenant, for the Slack line: who, why (the error's text; the line keeps its first line,
        # redacted) and which credential (its connection is linked when ServiceTitan refused it).
        self.failures = [
            {"label": result.target.label, "credential_id": result.target.credential_id, "error": result.error or ""}
            for result in report.failed
        ]


def sync(batch: dict[str, Any]) -> None:
    """Sync one batch of tenants, ``workers`` (servicetitan_sync_settings) at a time, each on its own (its own
    lock, token, rate limiter, circuit breaker and sync-log rows), retrying a tenant's transient failure in
    the batch. Every tenant is attempted; then the task fails if any tenant failed, naming them."""
    from airflow.sdk import get_current_context

    from servicetitan_pipeline.db.connection_pool import ConnectionPool
    from servicetitan_pipeline.db.engine import get_engine, psycopg_conninfo
    from servicetitan_pipeline.sync.batch_runner import run_batch
    from servicetitan_pipeline.sync.runner import run_sync
    from servicetitan_pipeline.sync.sync_log import AirflowTaskRef

    context = get_current_context()
    targets = [SyncTarget.from_xcom(target) for target in batch["targets"]]
    settings = BatchSettings.from_variables()
    engine = get_engine()
    task = AirflowTaskRef(run_id=str(context["run_id"]), map_index=int(context["ti"].map_index))
    workers = max(1, min(settings.workers, len(targets)))
    # One connection per tenant syncing (its locks and loads), reused by the next tenant.
    with ConnectionPool(psycopg_conninfo(engine), max_size=workers) as connections:
        report = run_batch(
            targets,
            lambda target: run_sync(target, engine=engine, connections=connections, airflow_task=task),
            settings,
        )
    # Pushed (not returned) so that a failed batch leaves it too: the asset tasks announce what its good
    # tenants loaded. Counts and labels only.
    context["ti"].xcom_push(key=LOADED_KEY, value=report.summary())
    if report.failed:
        failure = TenantsFailed(report)
        log.error("%s", failure)
        raise failure


def announce_loaded(resource: str) -> None:
    """Update the resource's Asset with the records and tenants this run loaded; skipped (no asset event, no
    downstream run) when the run loaded none."""
    from airflow.sdk import get_current_context
    from airflow.sdk.exceptions import AirflowSkipException

    from servicetitan_pipeline.assets import ASSET_FOR_RESOURCE

    context = get_current_context()
    pulled = context["ti"].xcom_pull(task_ids="sync", key=LOADED_KEY)
    summaries = [pulled] if isinstance(pulled, dict) else [s for s in (pulled or []) if isinstance(s, dict)]
    extra = loaded_totals(summaries, resource)
    if not extra["records"]:
        raise AirflowSkipException(f"this run loaded no {resource}: no asset event")
    context["outlet_events"][ASSET_FOR_RESOURCE[resource]].extra = extra
    log.info("%s updated: %d records of %d tenant(s)", ASSET_FOR_RESOURCE[resource].name, *extra.values())


def loaded_totals(summaries: list[dict[str, Any]], resource: str) -> dict[str, int]:
    """The records and tenants of ``resource`` that the batches' summaries say were loaded."""
    records = tenants = 0
    for summary in summaries:
        loaded = summary.get("loaded", {}).get(resource, {})
        records += int(loaded.get("records", 0))
        tenants += int(loaded.get("tenants", 0))
    return {"records": records, "tenants": tenants}
