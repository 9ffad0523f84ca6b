"""The health report as a page for people: the same report the JSON endpoint returns (``GET
/servicetitan/health`` with ``Accept: text/html``, as a browser asks), each check with its status, its
problems first and then its details. No JavaScript, nothing fetched from the internet."""

from __future__ import annotations

from html import escape
from typing import Any

from servicetitan_pipeline.monitoring.health import HealthReport

CHECK_TITLES = {
    "credentials": "Credentials",
    "api_connectivity": "ServiceTitan API",
    "recent_syncs": "Recent syncs",
    "system_resources": "System resources",
}


def render_health_page(report: HealthReport) -> str:
    sections = "".join(_check_section(name, result.as_dict()) for name, result in report.checks.items())
    status = report.status.value
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>ServiceTitan pipeline health: {status}</title>"
        '<link rel="stylesheet" href="static/dashboard.css"></head><body>'
        f'<header><h1>ServiceTitan pipeline health: <span class="status {status}">{status}</span></h1>'
        f"<p>Checked {report.checked_at.strftime('%Y-%m-%d %H:%M:%S UTC')}. "
        '<a href="health?format=json">As JSON</a> (what probes read; HTTP 503 when unhealthy) · '
        '<a href="dashboard">Dashboard</a></p></header>'
        f'<main class="health">{sections}</main></body></html>'
    )


def _check_section(name: str, check: dict[str, Any]) -> str:
    title = CHECK_TITLES.get(name, name.replace("_", " ").capitalize())
    status = check["status"]
    problems = check["problems"]
    problem_list = (
        "<ul class=problems>" + "".join(f"<li>{escape(p)}</li>" for p in problems) + "</ul>"
        if problems
        else '<p class="ok">No problems.</p>'
    )
    return (
        f'<section id="{escape(name)}" aria-labelledby="{escape(name)}-title">'
        f'<h2 id="{escape(name)}-title">{escape(title)}: <span class="status {status}">{status}</span></h2>'
        f"{problem_list}{_details_table(check['details'])}</section>"
    )


def _details_table(details: dict[str, Any]) -> str:
    if not details:
        return ""
    rows = "".join(
        f"<tr><th scope=row>{escape(key.replace('_', ' '))}</th><td>{_value(v)}</td></tr>" for key, v in details.items()
    )
    return f'<div class="scroll"><table class="details"><caption>Details</caption>{rows}</table></div>'


def _value(value: Any) -> str:
    if isinstance(value, dict):
        if not value:
            return "—"
        return "<br>".join(f"{escape(str(k).replace('_', ' '))}: {_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        if not value:
            return "none"
        return "<ul>" + "".join(f"<li>{_value(item)}</li>" for item in value) + "</ul>"
    if value is None:
        return "—"
    return escape(str(value))
