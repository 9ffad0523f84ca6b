"""The dashboard page (sync health, API performance, credential health, data quality), read from the views of
migration 0004 and the data-quality results of 0005, drawn as inline SVG on the server: no JavaScript, no CDN, so it
works with no internet. Its stylesheet is served by the same app."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from servicetitan_pipeline.data_quality.locations import data_docs_url
from servicetitan_pipeline.data_quality.report import NOTHING_TO_SCORE
from servicetitan_pipeline.sql_files import load_sql

# Completeness and scores below this are marked on the page; the alert's threshold is an Airflow Variable
# the web server does not read, so the page marks the Variable's default.
LOW_QUALITY_PERCENT = 95.0
# Links to the data docs are relative to the dashboard (``<root>/servicetitan/dashboard``), so they hold
# under any host and any sub-path the UI is served from.
DOCS_BASE = ".."
PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"]


@dataclass
class DashboardData:
    days: int
    sync_daily: list[dict[str, Any]]
    credentials: list[dict[str, Any]]
    api: list[dict[str, Any]]
    quality: list[dict[str, Any]]
    latest_quality: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.credentials:
            counts[row["connection_status"]] = counts.get(row["connection_status"], 0) + 1
        return counts


def load_dashboard(engine: Engine, days: int = 14, now: datetime | None = None) -> DashboardData:
    now = now or datetime.now(UTC)
    since_day = (now - timedelta(days=days - 1)).date()
    since_hour = now - timedelta(days=days)
    with engine.connect() as conn:

        def rows(name: str, **params: Any) -> list[dict[str, Any]]:
            return [dict(r._mapping) for r in conn.execute(sa.text(load_sql(name)), params)]

        return DashboardData(
            days=days,
            sync_daily=rows("monitoring/select_dashboard_sync_daily", since_day=since_day),
            credentials=rows("monitoring/select_dashboard_credential_health"),
            api=rows("monitoring/select_dashboard_api_performance", since_hour=since_hour),
            quality=rows("monitoring/select_dashboard_data_quality", since_day=since_day),
            latest_quality=rows("monitoring/select_dashboard_latest_data_quality"),
        )


# -- SVG ----------------------------------------------------------------------------------------------------

W, H, LEFT, RIGHT, TOP, BOTTOM = 560, 220, 48, 12, 14, 38


def _num(value: Any) -> float:
    return float(value) if value is not None else 0.0


def _fmt(value: float) -> str:
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")  # 0.25, 37.5, 1.8: as many decimals as the value has


def _frame(title: str, x_labels: list[str], y_max: float, body: str, legend: list[tuple[str, str]]) -> str:
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    parts = [
        f'<figure class="chart-figure"><figcaption>{escape(title)}</figcaption>',
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(y_max * i / 4)}</text>'
        )
    step = max(1, len(x_labels) // 7)
    for i, label in enumerate(x_labels):
        if i % step == 0:  # every step-th day: labels that would overlap are left out
            x = LEFT + plot_w * (i + 0.5) / max(len(x_labels), 1)
            parts.append(
                f'<text class="axis" x="{x:.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{escape(label)}</text>'
            )
    parts.append(body)
    x = LEFT
    for name, color in legend:
        parts.append(f'<rect x="{x}" y="{H - 14}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text class="legend" x="{x + 14}" y="{H - 5}">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    parts.append("</svg></figure>")
    return "".join(parts)


def _nice_max(value: float) -> float:
    """The top of the y axis: the smallest 1, 2, 4 or 8 x 10^k at or above ``value``, so that its quarter
    ticks are round numbers (0.25, 0.5, 1, 2, 2.5, 5, ...) whatever the magnitude."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    return next(m * magnitude for m in (1, 2, 4, 8, 10) if value <= m * magnitude * (1 + 1e-9))


def bar_chart(title: str, x_labels: list[str], series: list[tuple[str, list[float]]], stacked: bool = True) -> str:
    """Stacked bars (one stack per x label)."""
    if not x_labels:
        return f'<p class="empty">{escape(title)}: no data yet.</p>'
    totals = [sum(values[i] for _, values in series) for i in range(len(x_labels))]
    y_max = _nice_max(max(totals, default=0))
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    slot = plot_w / len(x_labels)
    body = []
    for i, label in enumerate(x_labels):
        base = 0.0
        for k, (name, values) in enumerate(series):
            value = values[i]
            if value <= 0:
                continue
            height = plot_h * value / y_max
            y = TOP + plot_h - plot_h * base / y_max - height
            body.append(
                f'<rect x="{LEFT + slot * i + slot * 0.15:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                f'height="{height:.1f}" fill="{PALETTE[k % len(PALETTE)]}">'
                f"<title>{escape(label)} {escape(name)}: {_fmt(value)}</title></rect>"
            )
            base += value
    legend = [(name, PALETTE[k % len(PALETTE)]) for k, (name, _) in enumerate(series)]
    return _frame(title, x_labels, y_max, "".join(body), legend)


def line_chart(
    title: str, x_labels: list[str], series: list[tuple[str, list[float | None]]], y_max: float | None = None
) -> str:
    """One polyline per series; a None value breaks nothing, it is skipped."""
    values = [v for _, vs in series for v in vs if v is not None]
    if not x_labels or not values:
        return f'<p class="empty">{escape(title)}: no data yet.</p>'
    top = y_max or _nice_max(max(values))
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    body = []
    for k, (name, vs) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        points = []
        for i, v in enumerate(vs):
            if v is None:
                continue
            x = LEFT + plot_w * (i + 0.5) / len(x_labels)
            y = TOP + plot_h - plot_h * v / top
            points.append(f"{x:.1f},{y:.1f}")
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}">'
                f"<title>{escape(x_labels[i])} {escape(name)}: {_fmt(v)}</title></circle>"
            )
        body.insert(0, f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(points)}"/>')
    legend = [(name, PALETTE[k % len(PALETTE)]) for k, (name, _) in enumerate(series)]
    return _frame(title, x_labels, top, "".join(body), legend)


# -- page ---------------------------------------------------------------------------------------------------


def _day_axis(days: int, now: datetime) -> list[date]:
    today = now.date()
    return [today - timedelta(days=days - 1 - i) for i in range(days)]


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, float):
        return f"{value:,.1f}"
    return escape(str(value))


def _credential_name(row: dict[str, Any]) -> str:
    return f"{row['company_name']} ({row['environment']}, {row['tenant_id']})"


def _score_cell(value: Any) -> str:
    # A validation of no records has no score: said so, never left to read as a blank, 0 or 100.
    return f"<td>{NOTHING_TO_SCORE}</td>" if value is None else _percent_cell(value)


def _percent_cell(value: Any) -> str:
    if value is None:
        return "<td>—</td>"
    # Two decimals, as stored: one decimal would show 99.96 as 100.0, hiding that something is missing.
    percent = float(value)
    if percent < LOW_QUALITY_PERCENT:
        return f'<td class="low" title="below {LOW_QUALITY_PERCENT:g} %"><strong>{percent:.2f} %</strong> ▼</td>'
    return f"<td>{percent:.2f} %</td>"


def completeness_tables(latest: list[dict[str, Any]]) -> str:
    """Per data type, each credential's latest validation: score, counts, how filled each field is, its page."""
    index_url = escape(data_docs_url(base_url=DOCS_BASE))
    index_link = f'<p><a href="{index_url}">Great Expectations data docs (every validation)</a></p>'
    if not latest:
        return '<p class="empty">Field completeness: no validation yet.</p>' + index_link
    tables = []
    for data_type in sorted({row["data_type"] for row in latest}):
        rows = [row for row in latest if row["data_type"] == data_type]
        fields = sorted({name for row in rows for name in row["field_completeness"] or {}})
        header = "".join(
            f"<th>{escape(label)}</th>"
            for label in ["credential", "validated", "score", "records", "invalid", *fields, "report"]
        )
        body = []
        for row in rows:
            completeness = row["field_completeness"] or {}
            page = row["data_docs_page"]
            page_url = escape(data_docs_url(quote(page), base_url=DOCS_BASE)) if page else ""
            report = f'<a href="{page_url}">data docs</a>' if page else "—"
            body.append(
                f"<tr><td>{escape(_credential_name(row))}</td><td>{_cell(row['validated_at'])}</td>"
                f"{_score_cell(row['score'])}<td>{_fmt(_num(row['total_records']))}</td>"
                f"<td>{_fmt(_num(row['invalid_records']))}</td>"
                + "".join(_percent_cell(completeness.get(name)) for name in fields)
                + f"<td>{report}</td></tr>"
            )
        tables.append(
            f'<div class="scroll"><table class="completeness"><caption>{escape(data_type.capitalize())}: '
            f"latest validation per credential, with the percent of records where each field is filled "
            f"(below {LOW_QUALITY_PERCENT:g} % marked ▼)</caption><tr>{header}</tr>{''.join(body)}</table></div>"
        )
    return "".join(tables) + index_link


def render_dashboard(data: DashboardData, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    axis = _day_axis(data.days, now)
    labels = [d.strftime("%m-%d") for d in axis]
    by_day = {row["day"]: row for row in data.sync_daily}

    def daily(key: str) -> list[float]:
        return [_num(by_day.get(d, {}).get(key)) for d in axis]

    def daily_or_none(key: str) -> list[float | None]:
        return [None if by_day.get(d, {}).get(key) is None else _num(by_day[d][key]) for d in axis]

    total = sum(_num(r["syncs"]) for r in data.sync_daily)
    completed = sum(_num(r["completed"]) for r in data.sync_daily)
    failed = sum(_num(r["failed"]) for r in data.sync_daily)
    rate = f"{100 * completed / (completed + failed):.1f} %" if completed + failed else "—"

    sync_group = [
        f'<p class="kpis"><span><b>{_fmt(total)}</b> syncs</span><span><b>{_fmt(completed)}</b> completed</span>'
        f"<span><b>{_fmt(failed)}</b> failed</span><span><b>{rate}</b> success rate</span></p>",
        bar_chart(
            "Syncs per day by status",
            labels,
            [("completed", daily("completed")), ("failed", daily("failed")), ("running", daily("running"))],
        ),
        line_chart("Success rate per day (%)", labels, [("success rate", daily_or_none("success_rate_pct"))], 100),
        line_chart(
            "Sync duration per day (seconds)",
            labels,
            [("average", daily_or_none("avg_duration_seconds")), ("p95", daily_or_none("p95_duration_seconds"))],
        ),
    ]

    counts = data.status_counts
    status_rows = "".join(f"<tr><td>{escape(k)}</td><td>{v}</td></tr>" for k, v in sorted(counts.items()))
    cred_rows = []
    for row in data.credentials:
        days_left = row["secret_days_left"]
        expiring = days_left is not None and float(days_left) <= 7
        cred_rows.append(
            f'<tr class="{"warn" if expiring or row["connection_status"] == "error" else ""}">'
            f"<td>{escape(row['company_name'])}</td><td>{escape(str(row['environment']))}</td>"
            f"<td>{row['tenant_id']}</td><td>{escape(str(row['connection_status']))}</td>"
            f"<td>{'yes' if row['is_active'] else 'no'}</td><td>{_cell(row['client_secret_expires_at'])}</td>"
            f"<td>{_cell(None if days_left is None else float(days_left))}</td>"
            f"<td>{_cell(row['last_success_at'])}</td><td>{_cell(row['last_failure_at'])}</td></tr>"
        )
    credential_group = [
        f'<table class="small"><caption>Credentials by status</caption><tr><th>status</th><th>count</th></tr>'
        f"{status_rows or '<tr><td colspan=2>no credentials</td></tr>'}</table>",
        '<div class="scroll"><table><caption>Each credential</caption><tr><th>company</th><th>environment</th>'
        "<th>tenant</th><th>status</th><th>active</th><th>secret expires</th><th>days left</th>"
        f"<th>last success</th><th>last failure</th></tr>{''.join(cred_rows)}</table></div>",
    ]

    hours = [r["hour"] for r in data.api]
    hour_labels = [h.strftime("%m-%d %H:00") for h in hours]
    api_group = [
        line_chart(
            "API response time (ms, hourly mean)",
            hour_labels,
            [
                (
                    "response time",
                    [None if r["avg_response_time_ms"] is None else _num(r["avg_response_time_ms"]) for r in data.api],
                )
            ],
        ),
        bar_chart(
            "API requests and errors per hour",
            hour_labels,
            [("requests", [_num(r["requests"]) for r in data.api]), ("errors", [_num(r["errors"]) for r in data.api])],
        ),
    ]

    failed_rates: dict[str, dict[date, float | None]] = {}
    scores: dict[str, dict[date, float | None]] = {}
    for row in data.quality:
        name = _credential_name(row)
        for by_name, key in ((failed_rates, "failed_record_rate_pct"), (scores, "expectations_score")):
            value = row[key]
            by_name.setdefault(name, {})[row["day"]] = None if value is None else _num(value)
    quality_group = [
        line_chart(
            "Failed-record rate per credential per day (%)",
            labels,
            [(name, [values.get(d) for d in axis]) for name, values in sorted(failed_rates.items())],
        ),
        '<div id="expectations-score">'
        + line_chart(
            "Great Expectations score per credential per day (% of validated records valid)",
            labels,
            [
                (name, [values.get(d) for d in axis])
                for name, values in sorted(scores.items())
                if any(v is not None for v in values.values())
            ],
            100,
        )
        + "</div>",
        completeness_tables(data.latest_quality),
    ]

    def section(title: str, parts: list[str], anchor: str) -> str:
        return f'<section id="{anchor}"><h2>{escape(title)}</h2>{"".join(parts)}</section>'

    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>ServiceTitan pipeline dashboard</title>"
        '<link rel="stylesheet" href="static/dashboard.css"></head><body>'
        f"<header><h1>ServiceTitan pipeline</h1><p>Last {data.days} days, generated "
        f'{now.strftime("%Y-%m-%d %H:%M UTC")}. <a href="health">Health report</a> · '
        '<a href="data-docs/">Data docs</a></p></header>'
        "<main>"
        + section("Sync health", sync_group, "sync-health")
        + section("API performance", api_group, "api-performance")
        + section("Credential health", credential_group, "credential-health")
        + section("Data quality", quality_group, "data-quality")
        + "</main></body></html>"
    )
