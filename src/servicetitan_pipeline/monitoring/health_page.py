"""The health report as a page for people (``GET /servicetitan/health`` with ``Accept: text/html``, as a
browser asks): first the findings, one card per cause with links to act on it (a refused credential is one
card, whatever number of checks it trips: in error, no token, no recent sync), then the latest data-quality
scores, then each check's details in human units. No framework, nothing fetched from the internet."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from sqlalchemy.engine import Engine

from servicetitan_pipeline.monitoring.airflow_links import SyncTask, last_failed_tasks
from servicetitan_pipeline.monitoring.health import HealthReport, HealthStatus
from servicetitan_pipeline.monitoring.units import human_bytes, human_fraction, human_percent, quality_score

CHECK_TITLES = {
    "credentials": "Credentials",
    "api_connectivity": "ServiceTitan API",
    "recent_syncs": "Recent syncs",
    "system_resources": "System resources",
    "settings": "Settings",
}
# The page is /servicetitan/health: Airflow's own pages are one level up.
AIRFLOW_ROOT = "../"


@dataclass
class Finding:
    title: str
    status: HealthStatus
    lines: list[str] = field(default_factory=list)
    credential_id: str | None = None
    airflow_conn_id: str | None = None
    last_failure_at: datetime | None = None
    about_settings: bool = False  # fixed in Airflow's Variables page


def _when(iso: str | None) -> str:
    return iso[:16].replace("T", " ") + " UTC" if iso else "never"


def findings(report: HealthReport) -> list[Finding]:
    """One finding per credential (all it tripped, as its lines) and one per pipeline-wide problem."""
    by_credential: dict[str, Finding] = {}

    def of(entry: dict[str, Any], status: HealthStatus) -> Finding:
        key = entry.get("credential_id") or entry["credential"]
        found = by_credential.setdefault(
            key,
            Finding(
                entry["credential"],
                status,
                credential_id=entry.get("credential_id"),
                airflow_conn_id=entry.get("airflow_conn_id"),
            ),
        )
        if status.rank > found.status.rank:
            found.status = status
        if entry.get("last_failure_at") and found.last_failure_at is None:
            found.last_failure_at = datetime.fromisoformat(entry["last_failure_at"])
        return found

    checks = {name: result.details for name, result in report.checks.items()}
    credentials = checks.get("credentials", {})
    for entry in credentials.get("active_in_error", []):
        if isinstance(entry, dict):
            reason = f": {entry['last_error']}" if entry.get("last_error") else ""
            of(entry, HealthStatus.UNHEALTHY).lines.append(f"Connection in error{reason}")
    for entry in credentials.get("secrets_expired", []):
        of(entry, HealthStatus.UNHEALTHY).lines.append(f"Client secret expired {_when(entry['expires_at'])}")
    for entry in credentials.get("secrets_expiring", []):
        of(entry, HealthStatus.DEGRADED).lines.append(f"Client secret expires {_when(entry['expires_at'])}")
    for entry in checks.get("api_connectivity", {}).get("failed", []):
        found = of(entry, HealthStatus.UNHEALTHY)
        message = f"ServiceTitan gave no token: {entry['message']}"
        if not any(entry["message"] in line for line in found.lines):  # the same error is said once
            found.lines.append(message)
        else:
            found.lines.append("ServiceTitan still refuses it (checked just now)")
    recent = checks.get("recent_syncs", {})
    for entry in recent.get("stale_credentials", []):
        since = f"since {_when(entry['last_success_at'])}" if entry.get("last_success_at") else "ever"
        of(entry, HealthStatus.DEGRADED).lines.append(
            f"No successful sync {since} (onboarded {_when(entry.get('onboarded_at'))})"
        )
    for entry in recent.get("stuck_running", []):
        of(entry, HealthStatus.DEGRADED).lines.append(
            f"A {entry['data_type']} sync has been running since {_when(entry['started_at'])}"
        )
    pipeline_wide: list[Finding] = []
    for name, result in report.checks.items():
        if name in ("credentials", "api_connectivity") and "error" not in result.details:
            continue  # per credential, above
        for index, problem in enumerate(result.problems):
            if name == "recent_syncs" and ("sync(s) running" in problem or "credential(s) without" in problem):
                continue  # per credential, above
            title = CHECK_TITLES.get(name, name)
            status = result.problem_status(index)
            pipeline_wide.append(Finding(title, status, [problem], about_settings=name == "settings"))
    every = [*by_credential.values(), *pipeline_wide]
    return sorted(every, key=lambda f: -f.status.rank)


def failed_run_links(found: list[Finding], engine: Engine) -> dict[str, SyncTask]:
    """The Airflow task of each credential finding's latest failed sync, as its sync-log row records it."""
    ids = [uuid.UUID(f.credential_id) for f in found if f.credential_id and f.last_failure_at]
    try:
        tasks = last_failed_tasks(engine, ids)
    except Exception:  # the database check already says why; the cards still show, without run links
        return {}
    return {str(credential): task for credential, task in tasks.items()}


def render_health_page(
    report: HealthReport,
    data_quality: list[dict[str, Any]] | None = None,
    run_links: dict[str, SyncTask] | None = None,
) -> str:
    status = report.status.value
    found = findings(report)
    cards = (
        "".join(_finding_card(f, (run_links or {}).get(f.credential_id or "")) for f in found)
        if found
        else '<section class="finding-none"><h2>Findings</h2><p class="ok">No problems.</p></section>'
    )
    checks = "".join(_check_section(name, result.as_dict()) for name, result in report.checks.items())
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>ServiceTitan pipeline health: {status}</title>"
        '<link rel="stylesheet" href="static/dashboard.css"><link rel="stylesheet" href="static/pages.css">'
        '<script src="static/theme.js"></script><script src="static/top_links.js" defer></script></head><body>'
        f'<header><h1>ServiceTitan pipeline health: <span class="status {status}">{status}</span></h1>'
        f"<p>Checked {report.checked_at.strftime('%Y-%m-%d %H:%M:%S UTC')}. "
        '<a href="health?format=json">As JSON</a> (what probes read; HTTP 503 when unhealthy) · '
        '<a href="dashboard">Dashboard</a> · <a href="tenants">Tenants</a></p></header>'
        f'<main class="health">{cards}{_data_quality_section(data_quality)}'
        # The raw details repeat what the findings say: there for whoever digs, closed by default.
        f'<details class="checks"><summary>Each check in detail</summary><div class="check-grid">{checks}</div>'
        "</details></main></body></html>"
    )


def _finding_card(finding: Finding, failed_task: SyncTask | None) -> str:
    actions: list[str] = []
    if finding.airflow_conn_id:
        actions.append(
            f'<a href="{AIRFLOW_ROOT}connections?name_pattern={escape(finding.airflow_conn_id)}" target="_top">'
            f"Fix the connection <code>{escape(finding.airflow_conn_id)}</code></a>"
        )
    if failed_task is not None:
        actions.append(f'<a href="{AIRFLOW_ROOT}{failed_task.log_path()}" target="_top">The failed run\'s log</a>')
    if finding.credential_id:
        actions.append(f'<a href="tenants/{escape(finding.credential_id)}">Tenant page</a>')
    if finding.about_settings:
        actions.append(f'<a href="{AIRFLOW_ROOT}variables" target="_top">Edit the Variables</a>')
    lines = "".join(f"<li>{escape(line)}</li>" for line in finding.lines)
    status = finding.status.value
    return (
        f'<section class="finding {status}"><h2>{escape(finding.title)}: '
        f'<span class="status {status}">{status}</span></h2><ul>{lines}</ul>'
        + (f'<p class="actions">{"".join(actions)}</p>' if actions else "")
        + "</section>"
    )


def _data_quality_section(rows: list[dict[str, Any]] | None) -> str:
    if rows is None:
        return ""
    if not rows:
        body = '<p class="empty">No sync has been validated yet.</p>'
    else:
        body = (
            '<div class="scroll"><table class="quality"><caption>Latest score per tenant and data type</caption>'
            "<thead><tr><th scope=col>Tenant</th><th scope=col>Data</th><th scope=col>Score</th>"
            "<th scope=col>Records</th><th scope=col>Validated</th></tr></thead><tbody>"
            + "".join(
                f"<tr><td>{escape(row['company_name'])} ({escape(str(row['environment']))}, "
                f"tenant {row['tenant_id']})</td><td>{escape(str(row['data_type']))}</td>"
                f"<td{' class=nothing' if row['score'] is None else ''}>{escape(quality_score(row['score']))}</td>"
                f"<td>{row['total_records']:,}</td><td>{_when(row['validated_at'].isoformat())}</td></tr>"
                for row in rows
            )
            + "</tbody></table></div>"
        )
    return f'<section id="data_quality"><h2>Data quality</h2>{body}</section>'


def _check_section(name: str, check: dict[str, Any]) -> str:
    title = CHECK_TITLES.get(name, name.replace("_", " ").capitalize())
    status = check["status"]
    return (
        f'<section id="{escape(name)}" aria-labelledby="{escape(name)}-title">'
        f'<h2 id="{escape(name)}-title">{escape(title)}: <span class="status {status}">{status}</span></h2>'
        f"{_details_table(check['details'])}</section>"
    )


def _details_table(details: dict[str, Any]) -> str:
    if not details:
        return ""
    rows = "".join(
        f"<tr><th scope=row>{escape(_key(key))}</th><td>{_value(v, key)}</td></tr>" for key, v in details.items()
    )
    return f'<div class="scroll"><table class="details"><caption>Details</caption>{rows}</table></div>'


_HIDDEN = {"credential_id", "airflow_conn_id"}  # for the findings' links; the label names the credential


def _key(key: str) -> str:
    for suffix in ("_bytes", "_fraction", "_ms", "_mb", "_percent"):
        key = key.removesuffix(suffix)
    return key.replace("_", " ")


def _value(value: Any, key: str = "") -> str:
    if isinstance(value, dict):
        if not value:
            return "—"
        return "<br>".join(f"{escape(_key(str(k)))}: {_value(v, str(k))}" for k, v in value.items() if k not in _HIDDEN)
    if isinstance(value, list):
        if not value:
            return "none"
        return "<ul>" + "".join(f"<li>{_value(item, key)}</li>" for item in value) + "</ul>"
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return escape(str(value))
    if key.endswith("_bytes"):
        return human_bytes(value)
    if key.endswith("_fraction") or key == "failure_rate":
        return human_fraction(value)
    if key.endswith("_percent"):
        return human_percent(value)
    if key.endswith("_ms"):
        return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"
    if key.endswith("_mb"):
        return f"{value:,.0f} MB"
    if key.endswith("seconds_ago"):
        return f"{value:.0f} s"
    return f"{value:,}" if isinstance(value, int) else escape(str(value))
