"""The Slack message of a failed servicetitan_sync task try (the retry callback: when it retries; the failure
callback: after the last try): what failed, for whom, why, last try or not, and links to the task log and the
connection to fix. Posted through the Slack provider's webhook hook (connection ``slack_alerts``)."""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from servicetitan_pipeline.airflow_ui import connection_url
from servicetitan_pipeline.alerts.slack_text import escape, link, plural, reason

log = logging.getLogger("servicetitan_pipeline.alerts")
_NAMED = 10  # a Slack message names this many failed tenants; the task log names them all


def failed_tenants(exception: object) -> str:
    """The tenants a failed batch names (``TenantsFailed.failed_tenants``), joined; empty for any other failure."""
    labels = [str(label) for label in getattr(exception, "failed_tenants", None) or []]
    more = f" and {len(labels) - _NAMED:,} more" if len(labels) > _NAMED else ""
    return ", ".join(labels[:_NAMED]) + more


def task_failure_message(
    context: Mapping[str, Any], refused: Mapping[str, str] | None = None, retry_at: datetime | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """``refused``: the Airflow connection id of each failed tenant's credential that ServiceTitan refused
    (by credential id), linked as the connection to fix. ``retry_at``: when Airflow retries it (the retry
    callback), None after the last try."""
    refused = refused or {}
    ti = context["ti"]
    exception = context.get("exception")
    failures = list(getattr(exception, "failures", None) or [])
    if failures:
        who = failed_tenants(exception)
    else:
        who = str(getattr(ti, "rendered_map_index", None) or "") or _requested(context)
    what = f"servicetitan_sync: task {ti.task_id} failed for {who}"
    why = _batch_reason(failures) if failures else reason(exception) or "no error text (see the task log)"
    tries = _tries(ti, exception) if retry_at is None else _retry(ti, retry_at)
    icon = ":x:" if retry_at is None else ":repeat:"
    fallback = f"{icon} {what}. Why: {why}. {tries[0].upper() + tries[1:]}."

    lines = [f"{icon} *{escape(what)}*"]
    if len(failures) == 1:  # the headline named the tenant: the reason alone
        (failure,) = failures
        line = f"*Why:* {escape(reason(failure.get('error'), 200) or 'failed')}"
        fix = refused.get(str(failure.get("credential_id")))
        lines.append(line + (f"  {link(connection_url(fix), 'fix the connection ' + fix)}" if fix else ""))
    elif failures:
        lines.append("*Why:*")
        for failure in failures[:_NAMED]:
            fix = refused.get(str(failure.get("credential_id")))
            line = f"• *{escape(str(failure['label']))}*: {escape(reason(failure.get('error'), 200) or 'failed')}"
            if fix:
                line += f"  {link(connection_url(fix), 'fix the connection ' + fix)}"
            lines.append(line)
        if len(failures) > _NAMED:
            lines.append(f"• … and {plural(len(failures) - _NAMED, 'more tenant')}: the task log names them all")
    else:
        lines.append(f"*Why:* {escape(why)}")
    lines.append(f"*Retries:* {tries}")
    lines.append(link(ti.log_url, f"Task log (try {ti.try_number})"))
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}]
    return fallback, blocks


def notify_task_failure(context: Any) -> None:
    from servicetitan_pipeline.alerts.slack_sender import slack_webhook_sender

    text, blocks = task_failure_message(context, _refused_connections(context.get("exception")))
    slack_webhook_sender()(text, blocks)


def notify_task_retry(context: Any) -> None:
    from servicetitan_pipeline.alerts.slack_sender import slack_webhook_sender

    retry_at = next_retry_at(context["ti"], context.get("task"), context.get("logical_date"))
    text, blocks = task_failure_message(context, _refused_connections(context.get("exception")), retry_at)
    slack_webhook_sender()(text, blocks)


def next_retry_at(ti: Any, task: Any, logical_date: object, failed_at: datetime | None = None) -> datetime:
    """When Airflow retries this try, as its scheduler works it out (TaskInstance.next_retry_datetime): the
    retry delay, with exponential backoff a deterministic spread between 1x and 2x of delay * 2^(try - 1),
    capped by max_retry_delay."""
    failed_at = failed_at or datetime.now(UTC)
    delay: timedelta = getattr(task, "retry_delay", None) or timedelta(minutes=5)
    multiplier = float(getattr(task, "retry_exponential_backoff", 0) or 0) or 1.0
    if multiplier > 0 and multiplier != 1.0:
        min_backoff = max(1, math.ceil(delay.total_seconds() * multiplier ** (ti.try_number - 1)))
        seed = f"{ti.dag_id}#{ti.task_id}#{logical_date}#{ti.try_number}".encode()
        spread = int(hashlib.sha1(seed, usedforsecurity=False).hexdigest(), 16) % min_backoff
        delay = timedelta(seconds=min_backoff + spread)
        max_delay = getattr(task, "max_retry_delay", None)
        if max_delay:
            delay = min(max_delay, delay)
    return failed_at + delay


def _retry(ti: Any, retry_at: datetime) -> str:
    total = int(getattr(ti, "max_tries", 0) or 0) + 1
    return f"will retry at {retry_at.astimezone(UTC):%H:%M} UTC, try {int(ti.try_number) + 1} of {total}"


def _tries(ti: Any, exception: object) -> str:
    total = int(getattr(ti, "max_tries", 0) or 0) + 1
    tried = int(getattr(ti, "try_number", 1) or 1)
    total = max(total, tried)  # a task cleared by hand counts on past its retries
    if tried >= total:
        return f"last try (try {tried} of {total})"
    if getattr(exception, "failures", None):
        return f"last try (try {tried} of {total}): not retried, the batch already retried each tenant itself"
    return f"last try (try {tried} of {total}): not retried, the error ({type(exception).__name__}) is not transient"


def _requested(context: Mapping[str, Any]) -> str:
    """A task of no tenant (plan, validation): the run's request, as the trigger form put it."""
    params = context.get("params") or {}
    credential = str(params.get("credential") or "all")
    data_type = str(params.get("data_type") or "both")
    chosen = "every active credential" if credential == "all" else f'credential "{credential}"'
    return f"the run's request ({chosen}, data type {data_type})"


def _batch_reason(failures: list[dict[str, Any]]) -> str:
    if len(failures) == 1:
        return reason(failures[0].get("error"), 200)
    shown = "; ".join(f"{failure['label']}: {reason(failure.get('error'), 200)}" for failure in failures[:3])
    more = f"; and {len(failures) - 3} more" if len(failures) > 3 else ""
    return shown + more


def _refused_connections(exception: object) -> dict[str, str]:
    """The connection id of each failed tenant's credential ServiceTitan refused (status ``error``); empty when
    the database cannot say (the message goes out anyway)."""
    ids = [str(failure.get("credential_id")) for failure in getattr(exception, "failures", None) or []]
    if not ids:
        return {}
    try:
        import psycopg

        from servicetitan_pipeline.db.engine import get_engine, psycopg_conninfo
        from servicetitan_pipeline.sql_files import load_sql

        with psycopg.connect(psycopg_conninfo(get_engine())) as conn:
            rows = conn.execute(load_sql("alerts/select_refused_connections"), {"credential_ids": ids}).fetchall()
    except Exception as exc:  # a link less, never a lost message
        log.warning("could not look up the failed credentials' connections: %s", type(exc).__name__)
        return {}
    return {str(row[0]): row[1] for row in rows}
