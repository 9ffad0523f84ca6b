"""The bodies of servicetitan_sync's tasks: each DAG task makes exactly one call here."""

from __future__ import annotations

import logging
from typing import Any

from servicetitan_pipeline.db.engine import session_scope
from servicetitan_pipeline.db.enums import SyncType
from servicetitan_pipeline.servicetitan.errors import ServiceTitanError
from servicetitan_pipeline.servicetitan.hook import ConnectionConfigError
from servicetitan_pipeline.sync.runner import OverlappingSyncError, run_sync
from servicetitan_pipeline.sync.targets import InvalidSyncParams, SyncTarget, plan_targets

log = logging.getLogger("servicetitan_pipeline.sync")


def plan(params: dict[str, Any], run_type: str) -> list[dict[str, Any]]:
    """Resolve the run's Params into one target per credential; bad Params fail the run at once."""
    from airflow.sdk.exceptions import AirflowFailException

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
        raise AirflowFailException(str(exc)) from None
    if not targets:
        log.warning("no active credentials to sync: onboard one with `servicetitan credentials add`")
    for target in targets:
        log.info("will sync %s: %s (%s)", target.label, target.data_type, target.sync_type)
    return [target.to_xcom() for target in targets]


def sync(target: dict[str, Any]) -> dict[str, Any]:
    """Sync one credential. Failures that a retry cannot mend (refused credentials, a revoked app key, an
    overlapping run) fail without retries; transient ones are left to the task's retries."""
    from airflow.sdk import get_current_context
    from airflow.sdk.exceptions import AirflowFailException

    sync_target = SyncTarget.from_xcom(target)
    get_current_context()["target_label"] = sync_target.label  # type: ignore[typeddict-unknown-key]
    try:
        outcome = run_sync(sync_target)
    except (OverlappingSyncError, ConnectionConfigError) as exc:
        raise AirflowFailException(str(exc)) from None
    except ServiceTitanError as exc:
        if exc.retriable:
            raise
        raise AirflowFailException(str(exc)) from None
    # The XCom: counts only, never a secret or a record.
    return {
        "sync_log_id": str(outcome.sync_log_id),
        "status": outcome.status.value,
        "records_processed": outcome.processed,
        "records_successful": outcome.successful,
        "records_failed": outcome.failed,
    }


def fail_run() -> None:
    """Mark the run failed after a sync failed (the sync task's own log says why)."""
    from airflow.sdk.exceptions import AirflowFailException

    raise AirflowFailException("a sync of this run failed; its task log and Slack message say why")
