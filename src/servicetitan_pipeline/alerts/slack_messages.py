"""Block Kit messages: severity, what happened, company and environment, the numbers, links, what to do.
Everything pending in one run goes out as one message, so many credentials firing is one message."""

from __future__ import annotations

from typing import Any

from servicetitan_pipeline.airflow_ui import airflow_base_url
from servicetitan_pipeline.alerts.state import RESOLVED, Notification

SEVERITY_ICON = {"high": ":rotating_light:", "medium": ":warning:", "low": ":information_source:"}
MAX_ALERTS_PER_MESSAGE = 20  # Slack allows 50 blocks a message
DASHBOARD_PATH = "/servicetitan/dashboard"  # where the plugin (servicetitan_pipeline.plugin) mounts the dashboard


def alert_message(notifications: list[Notification]) -> tuple[str, list[dict[str, Any]]]:
    firing = [n for n in notifications if n.kind != RESOLVED]
    resolved = [n for n in notifications if n.kind == RESOLVED]
    parts = []
    if firing:
        parts.append(f"{len(firing)} ServiceTitan alert{'s' * (len(firing) != 1)} firing")
    if resolved:
        parts.append(f"{len(resolved)} resolved")
    headline = ", ".join(parts)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": headline}}]
    shown = notifications[:MAX_ALERTS_PER_MESSAGE]
    for notification in shown:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _describe(notification)}})
    if len(notifications) > len(shown):
        blocks.append(_context(f"… and {len(notifications) - len(shown)} more: see the dashboard."))
    base = airflow_base_url()
    blocks.append(
        _context(f"<{base}/dags/servicetitan_sync/runs|Sync runs and logs>  ·  <{base}{DASHBOARD_PATH}|Dashboard>")
    )
    fallback = headline + ": " + "; ".join(_plain(n) for n in shown)
    return fallback, blocks


def digest_message(rows: list[dict[str, Any]], firing: int) -> tuple[str, list[dict[str, Any]]]:
    by_status = {row["status"]: row for row in rows}
    total = sum(int(row["syncs"]) for row in rows)
    lines = [
        f"*{status}*: {int(by_status[status]['syncs'])} syncs, {int(by_status[status]['records'])} records"
        f" ({int(by_status[status]['failed_records'])} bad), {int(by_status[status]['credentials'])} credentials"
        for status in ("completed", "failed", "running")
        if status in by_status
    ]
    text = f"ServiceTitan digest, last 6 hours: {total} syncs; {firing} alert(s) firing"
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "ServiceTitan: the last 6 hours"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines) or "No syncs ran."}},
        _context(f"{firing} alert(s) firing  ·  <{airflow_base_url()}{DASHBOARD_PATH}|Dashboard>"),
    ]
    return text, blocks


def _describe(notification: Notification) -> str:
    alert = notification.alert
    details = alert.details or {}
    where = f"*{details.get('company', '?')}* ({details.get('environment', '?')}, {details.get('subject', '')})"
    if notification.kind == RESOLVED:
        return f":white_check_mark: *Resolved* · {alert.rule.replace('_', ' ')} · {where}: back to normal"
    icon = SEVERITY_ICON.get(alert.severity, "")
    numbers = "  ".join(f"{key}: `{value}`" for key, value in (details.get("numbers") or {}).items() if value != "")
    lines = [
        f"{icon} *{alert.severity.upper()}* · {alert.rule.replace('_', ' ')} · {where}",
        alert.summary,
    ]
    if numbers:
        lines.append(numbers)
    if alert.send_count:
        lines.append(f"_still firing since {alert.first_seen_at:%Y-%m-%d %H:%M} UTC_")
    lines.append(f"What to do: {details.get('action', '')}")
    return "\n".join(lines)


def _plain(notification: Notification) -> str:
    details = notification.alert.details or {}
    state = "resolved" if notification.kind == RESOLVED else notification.alert.severity.upper()
    return f"{state} {notification.alert.rule} {details.get('company', '')} ({details.get('subject', '')})"


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}
