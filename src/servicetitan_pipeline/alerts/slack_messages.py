"""Block Kit messages that lead with what failed and why: the tenant named once, the reason, first seen, what
to do, and links to act on (the connection to fix, the failed runs). Everything pending in one run goes out as
one message, so many credentials firing is one message."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from servicetitan_pipeline.airflow_ui import airflow_base_url, connection_url, failed_runs_url
from servicetitan_pipeline.alerts.slack_text import count, escape, link, plural, reason, tenant_label, tenant_of
from servicetitan_pipeline.alerts.state import CREDENTIAL_DISABLED, RESOLVED, Notification, closed_because

SEVERITY_ICON = {"high": ":rotating_light:", "medium": ":warning:", "low": ":information_source:"}
MAX_ALERTS_PER_MESSAGE = 20  # Slack allows 50 blocks a message
DASHBOARD_PATH = "/servicetitan/dashboard"  # where the plugin (servicetitan_pipeline.plugin) mounts the dashboard
DIGEST_HOURS = 6

# What a person calls each rule's alert (the rule name is the key, kept stable for history and silences).
RULE_TITLES = {
    "repeated_failures": "repeated sync failures",
    "credential_error": "credentials refused",
    "secret_expiring": "client secret expiring",
    "stale_sync": "no recent successful sync",
    "data_quality": "records failing validation",
    "data_quality_score": "data-quality score low",
    "api_unreachable": "ServiceTitan API unreachable",
    "volume_anomaly": "sync volume unusual",
    "daily_volume_anomaly": "daily volume unusual",
    "freshness_anomaly": "data stopped changing",
    "schema_drift": "source fields changed",
}
# Rules whose fix is in the credential's Airflow connection, and those whose evidence is in failed sync runs.
_CONNECTION_RULES = {"credential_error", "secret_expiring", "api_unreachable", "repeated_failures", "stale_sync"}
_RUNS_RULES = {"repeated_failures", "stale_sync", "credential_error", "data_quality"}
_NUMBER_LABELS = {
    "latest_error": "latest error",
    "last_success_at": "last success",
    "expires_at": "expires",
    "newest_modified_on": "newest modifiedOn",
    "lag_hours": "lag (h)",
    "usual_max_lag_hours": "usually up to (h)",
    "usual_lag_hours": "median lag (h)",
}


def title_of(rule: str, details: Mapping[str, Any] | None) -> str:
    return (details or {}).get("title") or RULE_TITLES.get(rule, rule.replace("_", " "))


def where_of(details: Mapping[str, Any] | None) -> str:
    """The tenant, named once: "*Crest Electric* (integration, tenant 1003)"."""
    details = details or {}
    environment, tenant_id = tenant_of(str(details.get("subject", "")))
    company = escape(str(details.get("company") or "?"))
    where = tenant_label(f"*{company}*", details.get("environment") or environment, tenant_id)
    data_type = str(details.get("subject", "")).split(":")[0] if str(details.get("subject", "")).count(":") == 2 else ""
    return f"{where} · {data_type}" if data_type else where


def alert_message(
    notifications: list[Notification],
    connections: Mapping[uuid.UUID, str] | None = None,
    failed_logs: Mapping[uuid.UUID, str] | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """``connections``: each alert credential's Airflow connection id, for the "fix the connection" link;
    ``failed_logs``: the task log of its latest failed sync, where recorded."""
    connections = connections or {}
    failed_logs = failed_logs or {}
    firing = [n for n in notifications if n.kind != RESOLVED]
    closed = [n for n in notifications if n.kind == RESOLVED and closed_because(n.alert)]
    resolved = [n for n in notifications if n.kind == RESOLVED and not closed_because(n.alert)]
    parts = []
    if firing:
        parts.append(f"{plural(len(firing), 'ServiceTitan alert')} firing")
    if resolved:
        parts.append(f"{count(len(resolved))} resolved")
    if closed:
        parts.append(f"{count(len(closed))} closed")
    headline = ", ".join(parts)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": headline}}]
    shown = notifications[:MAX_ALERTS_PER_MESSAGE]
    for notification in shown:
        credential = notification.alert.credential_id
        text = _describe(notification, connections.get(credential), failed_logs.get(credential))  # type: ignore[arg-type]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if len(notifications) > len(shown):
        blocks.append(_context(f"… and {count(len(notifications) - len(shown))} more: see the dashboard."))
    blocks.append(_context(link(f"{airflow_base_url()}{DASHBOARD_PATH}", "Dashboard")))
    # The notification text (phone, desktop) leads with the first alert's what and why.
    fallback = headline + ": " + "; ".join(_plain(n) for n in shown)
    return fallback, blocks


def digest_message(
    rows: list[dict[str, Any]], firing: int, failing: list[dict[str, Any]] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """``rows``: syncs per status (alerts/select_sync_digest); ``failing``: the credentials with failed syncs
    in the window (alerts/select_digest_failing_credentials)."""
    by_status = {row["status"]: row for row in rows}
    total = sum(int(row["syncs"]) for row in rows)
    lines = []
    for status in ("completed", "failed", "running"):
        row = by_status.get(status)
        if row is None:
            continue
        bad = int(row["failed_records"])
        lines.append(
            f"*{status}*: {plural(int(row['syncs']), 'sync')}, {plural(int(row['records']), 'record')}"
            + (f" ({count(bad)} bad)" if bad else "")
            + f", {plural(int(row['credentials']), 'credential')}"
        )
    failing = failing or []
    failing_lines = [
        f"• {tenant_label('*' + escape(row['company_name']) + '*', row['environment'], row['tenant_id'])}: "
        f"{plural(int(row['failures']), 'failed sync')}, latest: {escape(reason(row['latest_error'], 200))}"
        + (f"  {link(connection_url(row['airflow_conn_id']), 'connection')}" if row.get("airflow_conn_id") else "")
        for row in failing
    ]
    names = ", ".join(tenant_label(row["company_name"], row["environment"], row["tenant_id"]) for row in failing)
    text = (
        f"ServiceTitan, last {DIGEST_HOURS} hours: {plural(total, 'sync')}"
        + (f"; failing: {names}" if names else "")
        + f"; {plural(firing, 'alert')} firing"
    )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"ServiceTitan: the last {DIGEST_HOURS} hours"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines) or "No syncs ran."}},
    ]
    if failing_lines:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "*Failing*\n" + "\n".join(failing_lines)}})
    links = [link(f"{airflow_base_url()}{DASHBOARD_PATH}", "Dashboard")]
    if failing:
        links.insert(0, link(failed_runs_url(), "Failed sync runs"))
    blocks.append(_context(f"{plural(firing, 'alert')} firing  ·  " + "  ·  ".join(links)))
    return text, blocks


def _describe(notification: Notification, conn_id: str | None, failed_log: str | None = None) -> str:
    alert = notification.alert
    details = alert.details or {}
    title = title_of(alert.rule, details)
    where = where_of(details)
    first_seen = f"first seen {_when(alert.first_seen_at)}"
    if notification.kind == RESOLVED and closed_because(alert) == CREDENTIAL_DISABLED:
        return (
            f":heavy_minus_sign: *Closed* · {title} · {where}: its credential was disabled, so nothing watches it "
            f"now; not a sign the cause was fixed ({first_seen})"
        )
    if notification.kind == RESOLVED:
        return f":white_check_mark: *Resolved* · {title} · {where}: back to normal ({first_seen})"
    icon = SEVERITY_ICON.get(alert.severity, "")
    lines = [f"{icon} *{alert.severity.upper()} · {title}* · {where}", escape(alert.summary)]
    numbers = [_number(key, value) for key, value in (details.get("numbers") or {}).items() if value != ""]
    if numbers:
        lines.append("  ·  ".join(numbers))
    if notification.echoes:
        also = ", ".join(sorted({title_of(echo.rule, echo.details) for echo in notification.echoes}))
        lines.append(f"Also explains: {also} (same cause, not sent apart)")
    seen = first_seen[0].upper() + first_seen[1:]
    if alert.send_count:
        seen += f", still firing (sent {plural(alert.send_count, 'time')} before)"
    lines.append(seen)
    lines.append(f"What to do: {details.get('action', '')}")
    links = []
    if conn_id and alert.rule in _CONNECTION_RULES:
        links.append(link(connection_url(conn_id), f"Fix the connection {conn_id}"))
    if alert.rule in _RUNS_RULES:
        if failed_log:
            links.append(link(failed_log, "Log of the latest failed sync"))
        links.append(link(failed_runs_url(), "Failed sync runs"))
    if links:
        lines.append("  ·  ".join(links))
    return "\n".join(lines)


def _number(key: str, value: Any) -> str:
    label = _NUMBER_LABELS.get(key, key.replace("_", " "))
    if isinstance(value, bool):
        shown = str(value)
    elif isinstance(value, int | float):
        shown = count(value)
    elif isinstance(value, str) and _is_timestamp(value):
        shown = _when(datetime.fromisoformat(value))
    else:
        shown = escape(str(value))
    return f"{label}: `{shown}`"


def _is_timestamp(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return len(value) >= 16


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC) if moment.tzinfo else moment:%Y-%m-%d %H:%M} UTC"


def _plain(notification: Notification) -> str:
    alert = notification.alert
    details = alert.details or {}
    where = where_of(details).replace("*", "")
    if notification.kind == RESOLVED and closed_because(alert):
        return f"closed (credential disabled): {title_of(alert.rule, details)} for {where}"
    if notification.kind == RESOLVED:
        return f"resolved: {title_of(alert.rule, details)} for {where}"
    return f"{alert.severity.upper()} {title_of(alert.rule, details)} for {where}: {alert.summary}"


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}
