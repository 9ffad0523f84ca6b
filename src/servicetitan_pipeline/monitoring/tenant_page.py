"""The per-tenant pages: a list of the credentials, and each one's page with its recent syncs (status,
records, duration, error, links to the Airflow run and its task log), its data-quality trend and a
"Sync now" button.

"Sync now" is the browser's own call to Airflow's REST API (``POST api/v2/dags/servicetitan_sync/dagRuns``,
static/tenant.js): it carries the signed-in user's ``_token`` cookie, so Airflow's auth manager decides
whether this user may trigger the DAG, exactly as for its own trigger form. The server never triggers on
anyone's behalf. Links open in Airflow's top window (``target=_top``), so the address bar follows them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from servicetitan_pipeline.data_quality.locations import data_docs_link_text, data_docs_url
from servicetitan_pipeline.monitoring.airflow_links import SyncTask
from servicetitan_pipeline.monitoring.anomaly_panels import TenantAnomalies, volume_section
from servicetitan_pipeline.monitoring.units import (
    NOTHING_TO_SCORE,
    human_count,
    human_duration,
    quality_score,
)
from servicetitan_pipeline.sql_files import load_sql

RECENT_SYNCS = 30


def credential_label(company: str, environment: str, tenant_id: int) -> str:
    return f"{company} ({environment}, tenant {tenant_id})"


@dataclass
class TenantSync:
    id: uuid.UUID
    sync_type: str
    data_type: str
    status: str
    started_at: datetime
    completed_at: datetime | None
    records_processed: int
    records_successful: int
    records_failed: int
    error_message: str | None
    duration_seconds: float | None
    quality: list[dict[str, Any]]
    task: SyncTask | None = None


@dataclass
class Tenant:
    id: uuid.UUID
    company_name: str
    environment: str
    tenant_id: int
    airflow_conn_id: str
    connection_status: str
    is_active: bool
    last_error: str | None
    created_at: datetime
    syncs: list[TenantSync] = field(default_factory=list)

    @property
    def label(self) -> str:
        return credential_label(self.company_name, self.environment, self.tenant_id)


def _text(value: Any) -> str:
    return str(getattr(value, "value", value))


def load_tenant_list(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(sa.text(load_sql("monitoring/select_tenant_list")))]


def load_tenant(engine: Engine, credential_id: uuid.UUID, limit: int = RECENT_SYNCS) -> Tenant | None:
    with engine.connect() as conn:
        row = conn.execute(sa.text(load_sql("monitoring/select_tenant")), {"credential_id": credential_id}).first()
        if row is None:
            return None
        syncs = conn.execute(
            sa.text(load_sql("monitoring/select_tenant_recent_syncs")), {"credential_id": credential_id, "limit": limit}
        ).all()
    tenant = Tenant(
        row.id,
        row.company_name,
        _text(row.environment),
        row.tenant_id,
        row.airflow_conn_id,
        _text(row.connection_status),
        row.is_active,
        row.last_error,
        row.created_at,
    )
    tenant.syncs = [
        TenantSync(
            s.id,
            _text(s.sync_type),
            _text(s.data_type),
            _text(s.status),
            s.started_at,
            s.completed_at,
            s.records_processed,
            s.records_successful,
            s.records_failed,
            s.error_message,
            s.duration_seconds,
            list(s.quality or []),
            SyncTask.recorded(s.airflow_run_id, s.airflow_map_index),
        )
        for s in syncs
    ]
    return tenant


# -- rendering ------------------------------------------------------------------------------------------------

# Airflow's own state colours (success green, failed red, running lime), as classes of static/pages.css.
_STATUS_CLASS = {"completed": "success", "failed": "failed", "running": "running"}


def _head(title: str, root: str) -> str:
    """``root``: the relative path from this page to the plugin's root (``/servicetitan/``)."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        f'<link rel="stylesheet" href="{root}static/dashboard.css">'
        f'<link rel="stylesheet" href="{root}static/pages.css">'
        f'<script src="{root}static/theme.js"></script>'
        f'<script src="{root}static/top_links.js" defer></script></head>'
    )


def _when(value: datetime | None) -> str:
    if value is None:
        return "—"
    return f'<time datetime="{value.isoformat()}">{value.strftime("%Y-%m-%d %H:%M:%S")} UTC</time>'


def render_tenant_list(rows: list[dict[str, Any]]) -> str:
    body_rows = "".join(
        "<tr>"
        f'<td><a href="tenants/{row["id"]}">{escape(row["company_name"])}</a></td>'
        f"<td>{escape(_text(row['environment']))}</td><td>{row['tenant_id']}</td>"
        f'<td><span class="badge {escape(_text(row["connection_status"]))}">'
        f"{escape(_text(row['connection_status']))}</span>{'' if row['is_active'] else ' (disabled)'}</td>"
        f"<td>{_when(row['last_success_at'])}</td><td>{_when(row['last_failure_at'])}</td>"
        f"<td>{_when(row['created_at'])}</td></tr>"
        for row in rows
    )
    table = (
        '<div class="scroll"><table class="tenants"><caption>Credentials</caption><thead><tr>'
        "<th scope=col>Company</th><th scope=col>Environment</th><th scope=col>Tenant</th>"
        "<th scope=col>Connection</th><th scope=col>Last success</th><th scope=col>Last failure</th>"
        f"<th scope=col>Onboarded</th></tr></thead><tbody>{body_rows}</tbody></table></div>"
        if rows
        else '<p class="empty">No credential is onboarded yet: <code>servicetitan credentials add</code>.</p>'
    )
    return (
        _head("ServiceTitan tenants", "") + "<body><header><h1>ServiceTitan tenants</h1>"
        '<p>Each credential\'s syncs, data quality and "Sync now". '
        '<a href="dashboard">Dashboard</a> · <a href="health">Health</a></p></header>'
        f'<main class="single"><section>{table}</section></main></body></html>'
    )


def render_tenant_page(tenant: Tenant, anomalies: TenantAnomalies | None = None) -> str:
    """``anomalies``: its volume, freshness and source schema (anomaly_panels.py); None leaves them out."""
    root = "../"  # this page is /servicetitan/tenants/<id>
    airflow_root = "../../"
    status = escape(tenant.connection_status)
    error = (
        f'<p class="error-text"><b>Last connection error:</b> {escape(tenant.last_error)}</p>'
        if tenant.last_error
        else ""
    )
    header = (
        f"<header><h1>{escape(tenant.label)}</h1>"
        f'<p>Connection <span class="badge {status}">{status}</span>'
        f"{'' if tenant.is_active else ' · <b>disabled</b>'} · onboarded {_when(tenant.created_at)} · "
        f'<a href="{airflow_root}connections?name_pattern={escape(tenant.airflow_conn_id)}" target="_top">'
        f"Airflow connection <code>{escape(tenant.airflow_conn_id)}</code></a> · "
        f'<a href="{root}tenants">All tenants</a> · <a href="{root}dashboard">Dashboard</a></p>{error}'
        '<div class="sync-now">'
        f'<button type="button" id="sync-now" data-credential="{tenant.id}" data-label="{escape(tenant.label)}"'
        f' data-airflow-root="{airflow_root}"{"" if tenant.is_active else " disabled"}>Sync now</button>'
        '<span id="sync-now-result" role="status" aria-live="polite"></span></div></header>'
    )
    return (
        _head(f"{tenant.label}: ServiceTitan tenant", root) + f'<body>{header}<main class="single">'
        f"{_quality_section(tenant)}{volume_section(anomalies) if anomalies else ''}"
        f"{_syncs_section(tenant, airflow_root)}</main>"
        f'<script src="{root}static/tenant.js"></script></body></html>'
    )


def _syncs_section(tenant: Tenant, airflow_root: str) -> str:
    if not tenant.syncs:
        return (
            '<section id="syncs"><h2>Recent syncs</h2><p class="empty">No sync yet: '
            '"Sync now" starts one.</p></section>'
        )
    rows = "".join(_sync_row(sync, airflow_root, tenant.tenant_id) for sync in tenant.syncs)
    return (
        f'<section id="syncs"><h2>Recent syncs</h2><div class="scroll"><table class="syncs">'
        f"<caption>The latest {human_count(len(tenant.syncs), 'sync')}, newest first</caption><thead><tr>"
        "<th scope=col>Started</th><th scope=col>Status</th><th scope=col>Type</th><th scope=col>Records</th>"
        "<th scope=col>Duration</th><th scope=col>Data quality</th><th scope=col>Airflow</th>"
        f"<th scope=col>Error</th></tr></thead><tbody>{rows}</tbody></table></div></section>"
    )


def _sync_row(sync: TenantSync, airflow_root: str, tenant_id: int) -> str:
    records = f"{sync.records_processed:,}"
    if sync.records_failed:
        records += f' <span class="failed-count">({sync.records_failed:,} failed)</span>'
    if sync.task is not None:
        airflow = (
            f'<a href="{airflow_root}{sync.task.run_path()}" target="_top">Run</a> · '
            f'<a href="{airflow_root}{sync.task.log_path()}" target="_top">Log</a>'
        )
    else:
        airflow = '<span class="empty">not recorded</span>'
    quality = (
        ", ".join(
            f"{escape(q['data_type'])}: {_score_html(q['score'])}{_docs_link(q, airflow_root, tenant_id)}"
            for q in sync.quality
        )
        if sync.quality
        else '<span class="empty">not validated</span>'
    )
    error = f'<td class="error-text">{escape(sync.error_message)}</td>' if sync.error_message else "<td></td>"
    status_class = _STATUS_CLASS.get(sync.status, "")
    return (
        f"<tr><td>{_when(sync.started_at)}</td>"
        f'<td><span class="badge {status_class}">{escape(sync.status)}</span></td>'
        f"<td>{escape(sync.sync_type)}, {escape(sync.data_type)}</td><td>{records}</td>"
        f"<td>{human_duration(sync.duration_seconds) if sync.completed_at else 'running'}</td>"
        f"<td>{quality}</td><td>{airflow}</td>{error}</tr>"
    )


def _docs_link(quality: dict[str, Any], airflow_root: str, tenant_id: int) -> str:
    """The validation's data-docs page, its text saying when other syncs share it."""
    page = quality.get("data_docs_page")
    if not page:
        return ""
    text = data_docs_link_text(page, int(quality.get("docs_page_syncs") or 1), tenant_id)
    href = data_docs_url(quote(page), base_url=airflow_root)  # relative: any host, any sub-path
    return f' (<a href="{escape(href)}">{escape(text)}</a>)'


def _score_html(score: Any) -> str:
    if score is None:
        return f'<span class="nothing">{NOTHING_TO_SCORE}</span>'
    return escape(quality_score(score))


def _quality_section(tenant: Tenant) -> str:
    """Scores per validated sync, oldest to newest, one series per data type."""
    points = [(sync.started_at, q) for sync in reversed(tenant.syncs) for q in sync.quality if q.get("data_type")]
    if not points:
        return (
            '<section id="data-quality"><h2>Data-quality trend</h2>'
            '<p class="empty">No sync of this tenant has been validated yet.</p></section>'
        )
    return (
        '<section id="data-quality"><h2>Data-quality trend</h2>'
        f"{_quality_chart(points)}"
        '<p class="note">Share of the records a sync loaded that pass every expectation. A sync that loaded '
        f"nothing has <i>{NOTHING_TO_SCORE}</i> (a hollow mark at the bottom), never 100 %.</p></section>"
    )


_SERIES_CLASS = {"customers": "series-a", "invoices": "series-b"}


def _quality_chart(points: list[tuple[datetime, dict[str, Any]]]) -> str:
    width, height, left, right, top, bottom = 720, 200, 44, 12, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    times = sorted({t for t, _ in points})
    step = plot_w / max(len(times) - 1, 1)
    x_of = {t: left + (i * step if len(times) > 1 else plot_w / 2) for i, t in enumerate(times)}

    def y(score: float) -> float:
        return top + plot_h * (1 - score / 100)

    grid = "".join(
        f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>'
        f'<text class="axis" x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v} %</text>'
        for v in (0, 50, 100)
    )
    marks: list[str] = []
    labels: list[str] = []
    kinds = sorted({q["data_type"] for _, q in points})
    for index, data_type in enumerate(kinds):
        series = [(t, q) for t, q in points if q["data_type"] == data_type]
        # Side by side, so that equal scores (both 100 %) do not hide one another.
        dx = (index - (len(kinds) - 1) / 2) * 8
        css = _SERIES_CLASS.get(data_type, "series-a")
        scored = [(x_of[t] + dx, y(float(q["score"]))) for t, q in series if q["score"] is not None]
        if len(scored) > 1:
            path = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in scored)
            marks.append(f'<polyline class="line {css}" points="{path}"/>')
        for t, q in series:
            when = t.strftime("%Y-%m-%d %H:%M")
            if q["score"] is None:
                marks.append(
                    f'<circle class="hollow {css}" cx="{x_of[t] + dx:.1f}" cy="{y(0):.1f}" r="4">'
                    f"<title>{escape(data_type)} {when}: {NOTHING_TO_SCORE}</title></circle>"
                )
            else:
                marks.append(
                    f'<circle class="dot {css}" cx="{x_of[t] + dx:.1f}" cy="{y(float(q["score"])):.1f}" r="4">'
                    f"<title>{escape(data_type)} {when}: {quality_score(q['score'])}</title></circle>"
                )
        labels.append(f'<span class="key {css}">{escape(data_type)}</span>')
    first, last = times[0].strftime("%Y-%m-%d %H:%M"), times[-1].strftime("%Y-%m-%d %H:%M")
    axis = (
        f'<text class="axis" x="{left}" y="{height - 10}">{first}</text>'
        f'<text class="axis" x="{width - right}" y="{height - 10}" text-anchor="end">{last}</text>'
        if len(times) > 1
        else f'<text class="axis" x="{left + plot_w / 2}" y="{height - 10}" text-anchor="middle">{first}</text>'
    )
    latest = "; ".join(f"{q['data_type']} {quality_score(q['score'])}" for t, q in points if t == times[-1])
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Data-quality score per sync, latest: {escape(latest)}">{grid}{"".join(marks)}{axis}</svg>'
        f'<p class="legend-keys">{" ".join(labels)}</p>'
    )
