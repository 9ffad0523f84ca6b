"""The dashboard page (sync health, API performance, credential health, data quality), read from the views of
migration 0004 and the data-quality results of 0005, drawn as inline SVG on the server: no CDN, so it works with no
internet. Its stylesheet is served by the same app; its one script only follows Airflow's colour mode."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from servicetitan_pipeline.alerts.settings import AlertSettings
from servicetitan_pipeline.anomalies.bands import current_anomalies
from servicetitan_pipeline.data_quality.locations import data_docs_link_text, data_docs_url
from servicetitan_pipeline.data_quality.report import NOTHING_TO_SCORE
from servicetitan_pipeline.sql_files import load_sql

# Completeness and scores below this are marked on the page: the data-quality alert's threshold, which the web
# server passes in as the operator set it; this is its default.
LOW_QUALITY_PERCENT = AlertSettings.min_data_quality_score
# Links to the data docs are relative to the dashboard (``<root>/servicetitan/dashboard``), so they hold
# under any host and any sub-path the UI is served from.
DOCS_BASE = ".."
# Outcomes in Airflow's colours (its state colours: success green, failed red, running cyan), so a colour means
# the same on both sides of the iframe.
SUCCESS, FAILED, RUNNING, WARNING = "#16a34a", "#dc2626", "#0891b2", "#d97706"
# Per-credential series: no green and no red, which would read as "succeeding" and "failing".
PALETTE = ["#2563eb", "#7c3aed", "#d97706", "#db2777", "#0e7490", "#64748b", "#a16207", "#4338ca"]
DATA_TYPES = ("invoices", "customers", "both")
# The project's score, told apart from GX's "Success Percent" (the share of expectations met).
SCORE_LABEL = "score (% of records valid)"
MAX_DAYS = 90
# The anomaly rules as the dashboard names them, and what they watch (the "No anomaly" panel says so).
ANOMALY_LABELS = {
    "volume_anomaly": "Volume per sync",
    "daily_volume_anomaly": "Volume per day",
    "freshness_anomaly": "Freshness",
    "schema_drift": "Schema drift",
}
WATCHED = (
    "Watched: records new or changed per sync and per UTC day against each tenant's seasonal band, "
    "how old the newest <code>modifiedOn</code> is against its usual lag, and the fields of the raw records "
    "(appeared, disappeared, retyped)."
)


@dataclass(frozen=True)
class DashboardFilter:
    """What the page shows: one credential (its id) and data type, or all (None), over ``since``..``until``
    (UTC days, inclusive); from the query string, so a filtered view is a link."""

    since: date
    until: date
    credential_id: uuid.UUID | None = None
    data_type: str | None = None

    @classmethod
    def from_query(
        cls,
        now: datetime,
        days: int = 14,
        since: str | None = None,
        until: str | None = None,
        credential: str | None = None,
        data_type: str | None = None,
    ) -> DashboardFilter:
        """Anything unreadable falls back to the default (the last ``days`` days, every credential and type)."""
        last = _parse_day(until) or now.date()
        first = _parse_day(since) or last - timedelta(days=min(max(days, 1), MAX_DAYS) - 1)
        first = min(max(first, last - timedelta(days=MAX_DAYS - 1)), last)
        try:
            credential_id = uuid.UUID(credential) if credential else None
        except ValueError:
            credential_id = None
        return cls(first, last, credential_id, data_type if data_type in DATA_TYPES else None)

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def params(self) -> dict[str, Any]:
        return {
            "credential_id": None if self.credential_id is None else str(self.credential_id),
            "data_type": self.data_type,
        }


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass
class DashboardData:
    days: int
    sync_daily: list[dict[str, Any]]
    credentials: list[dict[str, Any]]
    api: list[dict[str, Any]]
    quality: list[dict[str, Any]]
    latest_quality: list[dict[str, Any]] = field(default_factory=list)
    api_endpoints: list[dict[str, Any]] = field(default_factory=list)
    filter: DashboardFilter | None = None
    anomalies: list[dict[str, Any]] = field(default_factory=list)  # firing now (anomalies/bands.py)

    @property
    def shown_credentials(self) -> list[dict[str, Any]]:
        """The credentials the filter keeps (all of them are the filter's choices)."""
        chosen = self.filter.credential_id if self.filter else None
        return [row for row in self.credentials if chosen is None or row.get("credential_id") == chosen]

    @property
    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.shown_credentials:
            counts[row["connection_status"]] = counts.get(row["connection_status"], 0) + 1
        return counts


def load_dashboard(
    engine: Engine, days: int = 14, now: datetime | None = None, *, filters: DashboardFilter | None = None
) -> DashboardData:
    now = now or datetime.now(UTC)
    filters = filters or DashboardFilter.from_query(now, days)
    params = query_params(filters)
    with engine.connect() as conn:

        def rows(name: str) -> list[dict[str, Any]]:
            return [dict(r._mapping) for r in conn.execute(sa.text(load_sql(name)), params)]

        api = rows("monitoring/select_dashboard_api")
        return DashboardData(
            days=filters.days,
            sync_daily=rows("monitoring/select_dashboard_sync_daily"),
            credentials=rows("monitoring/select_dashboard_credential_health"),
            api=_api_rows(api, "hour", drop=("endpoint",)),
            quality=rows("monitoring/select_dashboard_data_quality"),
            latest_quality=rows("monitoring/select_dashboard_latest_data_quality"),
            api_endpoints=_api_rows(api, "endpoint", drop=("hour", "avg_response_time_ms")),
            filter=filters,
            anomalies=current_anomalies(engine),
        )


def _api_rows(rows: list[dict[str, Any]], per: str, drop: tuple[str, ...]) -> list[dict[str, Any]]:
    """The API query's rows of one grouping (``per`` hour or endpoint), without the other grouping's columns."""
    skip = {"per", *drop}
    return [{key: value for key, value in row.items() if key not in skip} for row in rows if row["per"] == per]


def query_params(filters: DashboardFilter) -> dict[str, Any]:
    """Every dashboard query's parameters for ``filters``: the days, the hours they span, the credential and data
    type (each query binds the ones it names)."""
    return {
        "since_day": filters.since,
        "until_day": filters.until,
        "since": datetime.combine(filters.since, datetime.min.time(), UTC),
        "until": datetime.combine(filters.until + timedelta(days=1), datetime.min.time(), UTC),
        **filters.params(),
    }


# -- SVG ----------------------------------------------------------------------------------------------------

W, H, LEFT, RIGHT, TOP, BOTTOM = 480, 200, 44, 10, 14, 24
# The axis font's width per character, in the chart's units (10.5 px digits), and the room between labels.
CHAR_WIDTH, LABEL_PAD = 6.2, 5

Series = tuple[str, list[float], str]  # name, values, colour
LineSeries = tuple[str, list[float | None], str]


def _num(value: Any) -> float:
    return float(value) if value is not None else 0.0


def _fmt(value: float) -> str:
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")  # 0.25, 37.5, 1.87: as many decimals as the value has


def _tick_parts(label: str) -> tuple[str, str]:
    """("11", "27") for "11-27": a day's tick repeats only the day, so two weeks of days fit in a chart's
    width; the month shows where it changes. Any other label (an hour's) is printed whole."""
    if len(label) == 5 and label[2] == "-":
        return label[:2], label[3:]
    return "", label


def _labelled(x_labels: list[str], keep: set[int]) -> list[tuple[int, str]]:
    """The x ticks to print, (index, text): the last (today) first, then those in ``keep`` (days with data),
    then every other one that has room; a tick that would overlap one already placed is left out."""
    slot = (W - LEFT - RIGHT) / max(len(x_labels), 1)
    short = {i: _tick_parts(label)[1] for i, label in enumerate(x_labels)}
    widest = max((len(label) for label in x_labels), default=0) * CHAR_WIDTH  # a tick may show in full
    placed: list[int] = []
    last = len(x_labels) - 1
    for i in [last, *sorted(keep, reverse=True), *range(last, -1, -1)]:
        if not 0 <= i <= last or i in placed:
            continue
        width = len(short[i]) * CHAR_WIDTH
        if all(abs(i - j) * slot >= (width + widest) / 2 + LABEL_PAD for j in placed):
            placed.append(i)
    ticks = []
    previous_head = None
    for i in sorted(placed):
        head, tail = _tick_parts(x_labels[i])
        ticks.append((i, x_labels[i] if head != previous_head else tail))
        previous_head = head
    return ticks


def _legend(items: list[tuple[str, str]]) -> str:
    # HTML, not SVG: it wraps to the chart's width, so a long credential name is never cut off.
    return (
        '<ul class="legend">'
        + "".join(f'<li><span class="swatch" style="background:{c}"></span>{escape(n)}</li>' for n, c in items)
        + "</ul>"
    )


def _frame(
    title: str, x_labels: list[str], ticks: list[float], body: str, legend: list[tuple[str, str]], keep: set[int]
) -> str:
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    top = ticks[-1]
    parts = [
        f'<figure class="chart-figure"><figcaption>{escape(title)}</figcaption>',
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in ticks:
        y = TOP + plot_h - plot_h * tick / top
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(tick)}</text>')
    for i, text in _labelled(x_labels, keep):
        x = LEFT + plot_w * (i + 0.5) / max(len(x_labels), 1)
        anchor = "middle"
        if x + len(text) * CHAR_WIDTH / 2 > W:  # the last tick would run off the chart's right edge
            x, anchor = W - 1, "end"
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{H - BOTTOM + 16}" text-anchor="{anchor}">{escape(text)}</text>'
        )
    parts.append(body)
    parts.append("</svg>")
    if len(legend) > 1 or (legend and legend[0][0] != title):
        parts.append(_legend(legend))
    parts.append("</figure>")
    return "".join(parts)


def _nice_max(value: float) -> float:
    """The top of the y axis: the smallest 1, 2, 4 or 8 x 10^k at or above ``value``, so that its quarter
    ticks are round numbers (0.25, 0.5, 1, 2, 2.5, 5, ...) whatever the magnitude."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    return next(m * magnitude for m in (1, 2, 4, 8, 10) if value <= m * magnitude * (1 + 1e-9))


def _ticks(value: float, integer: bool = False, top: float | None = None) -> list[float]:
    """The y axis's ticks. Counts (``integer``) tick whole numbers only: 3 syncs is 0, 1, 2, 3, never 0.75;
    other measures tick quarters of a round top."""
    if top is not None:
        return [top * i / 4 for i in range(5)]
    if not integer:
        nice = _nice_max(value)
        return [nice * i / 4 for i in range(5)]
    if value <= 4:
        return [float(i) for i in range(max(1, math.ceil(value - 1e-9)) + 1)]
    magnitude = 10.0 ** math.floor(math.log10(value / 4))
    step = next(m * magnitude for m in (1, 2, 5, 10) if value / 4 <= m * magnitude * (1 + 1e-9))
    return [step * i for i in range(math.ceil(value / step - 1e-9) + 1)]


def bar_chart(title: str, x_labels: list[str], series: list[Series], integer: bool = True) -> str:
    """Stacked bars (one stack per x label); counts by default, so the axis ticks whole numbers."""
    if not x_labels:
        return f'<p class="empty">{escape(title)}: no data yet.</p>'
    totals = [sum(values[i] for _, values, _ in series) for i in range(len(x_labels))]
    ticks = _ticks(max(totals, default=0), integer)
    y_max = ticks[-1]
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    slot = plot_w / len(x_labels)
    body = []
    for i, label in enumerate(x_labels):
        base = 0.0
        for name, values, color in series:
            value = values[i]
            if value <= 0:
                continue
            height = plot_h * value / y_max
            y = TOP + plot_h - plot_h * base / y_max - height
            body.append(
                f'<rect x="{LEFT + slot * i + slot * 0.15:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                f'height="{height:.1f}" fill="{color}">'
                f"<title>{escape(label)} {escape(name)}: {_fmt(value)}</title></rect>"
            )
            base += value
    keep = {i for i, total in enumerate(totals) if total > 0}
    return _frame(title, x_labels, ticks, "".join(body), [(n, c) for n, _, c in series], keep)


def line_chart(title: str, x_labels: list[str], series: list[LineSeries], y_max: float | None = None) -> str:
    """One polyline per series; a None value breaks nothing, it is skipped."""
    values = [v for _, vs, _ in series for v in vs if v is not None]
    if not x_labels or not values:
        return f'<p class="empty">{escape(title)}: no data yet.</p>'
    ticks = _ticks(max(values), top=y_max)
    top = ticks[-1]
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    body = []
    for name, vs, color in series:
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
    keep = {i for _, vs, _ in series for i, v in enumerate(vs) if v is not None}
    return _frame(title, x_labels, ticks, "".join(body), [(n, c) for n, _, c in series], keep)


def _palette(names: list[str]) -> list[str]:
    return [PALETTE[k % len(PALETTE)] for k in range(len(names))]


# -- page ---------------------------------------------------------------------------------------------------


def _day_axis(filters: DashboardFilter) -> list[date]:
    return [filters.since + timedelta(days=i) for i in range(filters.days)]


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


def _score_cell(value: Any, low_below: float) -> str:
    # A validation of no records has no score: said so, never left to read as a blank, 0 or 100.
    return f"<td>{NOTHING_TO_SCORE}</td>" if value is None else _percent_cell(value, low_below)


def _percent_cell(value: Any, low_below: float) -> str:
    if value is None:
        return "<td>—</td>"
    # Two decimals, as stored: one decimal would show 99.96 as 100.0, hiding that something is missing.
    percent = float(value)
    if percent < low_below:
        return f'<td class="low" title="below {low_below:g} %"><strong>{percent:.2f} %</strong> ▼</td>'
    return f"<td>{percent:.2f} %</td>"


def completeness_tables(latest: list[dict[str, Any]], low_below: float = LOW_QUALITY_PERCENT) -> str:
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
            for label in ["credential", "validated", SCORE_LABEL, "records", "invalid", *fields, "report"]
        )
        body = []
        for row in rows:
            completeness = row["field_completeness"] or {}
            page = row["data_docs_page"]
            page_url = escape(data_docs_url(quote(page), base_url=DOCS_BASE)) if page else ""
            link_text = data_docs_link_text(page, int(row.get("docs_page_syncs") or 1), row["tenant_id"])
            report = f'<a href="{page_url}">{escape(link_text)}</a>' if page else "—"
            body.append(
                f"<tr><td>{escape(_credential_name(row))}</td><td>{_cell(row['validated_at'])}</td>"
                f"{_score_cell(row['score'], low_below)}<td>{_fmt(_num(row['total_records']))}</td>"
                f"<td>{_fmt(_num(row['invalid_records']))}</td>"
                + "".join(_percent_cell(completeness.get(name), low_below) for name in fields)
                + f"<td>{report}</td></tr>"
            )
        tables.append(
            f'<div class="scroll"><table class="completeness"><caption>{escape(data_type.capitalize())}: '
            f"latest validation per credential, with the percent of records where each field is filled "
            f"(below {low_below:g} %, the data-quality alert's threshold, marked ▼)</caption>"
            f"<tr>{header}</tr>{''.join(body)}</table></div>"
        )
    return "".join(tables) + index_link


def _versus(row: dict[str, Any]) -> str:
    numbers = row["numbers"] or {}
    if row["rule"] in {"volume_anomaly", "daily_volume_anomaly"} and "actual" in numbers:
        return f"{_fmt(float(numbers['actual']))} vs {escape(str(numbers.get('band', '—')))}"
    if row["rule"] == "freshness_anomaly" and "lag_hours" in numbers:
        if "usual_max_lag_hours" in numbers:  # what the rule judged by: the band's upper limit
            return (
                f"lag {numbers['lag_hours']} h vs usually up to {numbers['usual_max_lag_hours']} h "
                f"(median {numbers.get('usual_lag_hours', '—')} h)"
            )
        return f"lag {numbers['lag_hours']} h vs usual {numbers.get('usual_lag_hours', '—')} h"  # older alerts
    if row["rule"] == "schema_drift":
        counts = [f"{numbers[k]} {k}" for k in ("appeared", "disappeared", "retyped") if numbers.get(k)]
        return escape(", ".join(counts) or "—")
    return "—"


def anomalies_panel(
    rows: list[dict[str, Any]], credential_id: uuid.UUID | None = None, data_type: str | None = None
) -> str:
    """The anomalies firing now, newest first, for the dashboard's credential and data type (``both`` and None
    keep every resource)."""
    shown = [
        row
        for row in rows
        if (credential_id is None or row["credential_id"] == credential_id)
        and (data_type in (None, "both") or row["resource"] == data_type)
    ]
    if not shown:
        return f'<p class="empty no-anomaly">No anomaly. {WATCHED}</p>'
    body = []
    for row in shown:
        tenant_id = row["key"].rsplit(":", 1)[-1]
        company = escape(row["company"] or "unknown company")
        label = escape(ANOMALY_LABELS.get(row["rule"], row["rule"]))
        body.append(
            f'<tr title="{escape(row["summary"] or "")}"><td>{label}</td>'
            f'<td><a href="tenants/{row["credential_id"]}">{company}</a> '
            f"({escape(str(row['environment'] or ''))}, {escape(tenant_id)})</td>"
            f"<td>{escape(row['resource'])}</td><td>{_versus(row)}</td>"
            f"<td>{_cell(row['first_seen_at'])}</td></tr>"
        )
    return (
        '<div class="scroll"><table class="anomalies"><caption>Firing now, newest first</caption><thead><tr>'
        "<th scope=col>Anomaly</th><th scope=col>Tenant</th><th scope=col>Resource</th>"
        "<th scope=col>Actual vs band</th><th scope=col>Since</th></tr></thead>"
        f'<tbody>{"".join(body)}</tbody></table></div><p class="note">{WATCHED}</p>'
    )


def filter_form(data: DashboardData) -> str:
    """A GET form: the choices are the query string, so a filtered dashboard can be bookmarked and shared."""
    chosen = data.filter
    assert chosen is not None
    credential_options = ['<option value="">all credentials</option>'] + [
        f'<option value="{row["credential_id"]}"{" selected" if row["credential_id"] == chosen.credential_id else ""}>'
        f"{escape(_credential_name(row))}</option>"
        for row in data.credentials
        if row.get("credential_id") is not None
    ]
    type_options = ['<option value="">all data types</option>'] + [
        f'<option value="{t}"{" selected" if t == chosen.data_type else ""}>{t}</option>' for t in DATA_TYPES
    ]
    return (
        '<form class="filters" method="get" action="dashboard">'
        f'<label>Credential <select name="credential">{"".join(credential_options)}</select></label>'
        f'<label>Data type <select name="data_type">{"".join(type_options)}</select></label>'
        f'<label>From <input type="date" name="since" value="{chosen.since.isoformat()}"></label>'
        f'<label>To <input type="date" name="until" value="{chosen.until.isoformat()}"></label>'
        '<button type="submit">Apply</button> <a href="dashboard">Reset</a></form>'
    )


def endpoint_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return '<p class="empty">Errors by endpoint: no API calls recorded in this range.</p>'
    body = []
    for row in rows:
        requests, errors = _num(row["requests"]), _num(row["errors"])
        rate = f"{100 * errors / requests:.2f} %" if requests else "—"
        body.append(
            f'<tr class="{"warn" if errors else ""}"><td>{escape(str(row["endpoint"]))}</td>'
            f"<td>{_fmt(requests)}</td><td>{_fmt(errors)}</td><td>{rate}</td>"
            f"<td>{_fmt(_num(row['rate_limited']))}</td><td>{_fmt(_num(row['circuit_opened']))}</td></tr>"
        )
    return (
        '<div class="scroll"><table><caption>Errors by endpoint</caption><tr><th>endpoint</th><th>requests</th>'
        "<th>failed requests</th><th>error rate</th><th>429 (rate limited)</th><th>circuit-breaker openings</th>"
        f"</tr>{''.join(body)}</table></div>"
    )


def render_dashboard(
    data: DashboardData, now: datetime | None = None, low_score_below: float = LOW_QUALITY_PERCENT
) -> str:
    now = now or datetime.now(UTC)
    filters = data.filter or DashboardFilter.from_query(now, data.days)
    data.filter = filters
    axis = _day_axis(filters)
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
        '<div class="charts">',
        bar_chart(
            "Syncs per day by status",
            labels,
            [
                ("completed", daily("completed"), SUCCESS),
                ("failed", daily("failed"), FAILED),
                ("running", daily("running"), RUNNING),
            ],
        ),
        line_chart(
            "Success rate per day (%)", labels, [("success rate", daily_or_none("success_rate_pct"), SUCCESS)], 100
        ),
        line_chart(
            "Sync duration per day (seconds)",
            labels,
            [
                ("average", daily_or_none("avg_duration_seconds"), PALETTE[0]),
                ("p95", daily_or_none("p95_duration_seconds"), PALETTE[1]),
            ],
        ),
        "</div>",
    ]

    counts = data.status_counts
    status_rows = "".join(f"<tr><td>{escape(k)}</td><td>{v}</td></tr>" for k, v in sorted(counts.items()))
    cred_rows = []
    for row in data.shown_credentials:
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

    def hourly(key: str) -> list[float]:
        return [_num(r[key]) for r in data.api]

    api_group = [
        '<div class="charts">',
        line_chart(
            "API response time (ms, hourly mean)",
            hour_labels,
            [
                (
                    "response time",
                    [None if r["avg_response_time_ms"] is None else _num(r["avg_response_time_ms"]) for r in data.api],
                    PALETTE[0],
                )
            ],
        ),
        # Requests and failed requests side by side, not stacked: a failed request is one of the requests.
        bar_chart(
            "API requests per hour",
            hour_labels,
            [
                ("succeeded", [r - e for r, e in zip(hourly("requests"), hourly("errors"), strict=True)], PALETTE[0]),
                ("failed", hourly("errors"), FAILED),
            ],
        ),
        bar_chart(
            "Rate limiting (429) and circuit-breaker openings per hour",
            hour_labels,
            [
                ("429 answers", hourly("rate_limited"), WARNING),
                ("circuit opened", hourly("circuit_opened"), PALETTE[1]),
            ],
        ),
        "</div>",
        endpoint_table(data.api_endpoints),
    ]

    failed_rates: dict[str, dict[date, float | None]] = {}
    scores: dict[str, dict[date, float | None]] = {}
    for row in data.quality:
        name = _credential_name(row)
        for by_name, key in ((failed_rates, "failed_record_rate_pct"), (scores, "expectations_score")):
            value = row[key]
            by_name.setdefault(name, {})[row["day"]] = None if value is None else _num(value)
    rate_names = sorted(failed_rates)
    score_names = [name for name in sorted(scores) if any(v is not None for v in scores[name].values())]
    # One colour per credential in both charts.
    colours = dict(
        zip(
            sorted(set(rate_names) | set(score_names)),
            _palette(sorted(set(rate_names) | set(score_names))),
            strict=True,
        )
    )
    quality_group = [
        '<div class="charts">',
        line_chart(
            "Failed-record rate per credential per day (%)",
            labels,
            [(name, [failed_rates[name].get(d) for d in axis], colours[name]) for name in rate_names],
        ),
        '<div id="expectations-score">'
        + line_chart(
            "Great Expectations score per credential per day (% of validated records valid)",
            labels,
            [(name, [scores[name].get(d) for d in axis], colours[name]) for name in score_names],
            100,
        )
        + "</div></div>",
        completeness_tables(data.latest_quality, low_score_below),
    ]

    def section(title: str, parts: list[str], anchor: str) -> str:
        return f'<section id="{anchor}"><h2>{escape(title)}</h2>{"".join(parts)}</section>'

    if filters.since == filters.until:
        span = filters.since.isoformat()
    else:
        span = f"{filters.since.isoformat()} to {filters.until.isoformat()}"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        "<title>ServiceTitan pipeline dashboard</title>"
        # The pages' one theme script (Airflow's light or dark mode); links followed in Airflow's own window.
        '<script src="static/theme.js"></script><script src="static/top_links.js" defer></script>'
        '<link rel="stylesheet" href="static/dashboard.css"></head><body>'
        f"<header><h1>ServiceTitan pipeline</h1><p>{span} (UTC days), generated "
        f'{now.strftime("%Y-%m-%d %H:%M UTC")}. <a href="health">Health report</a> · '
        '<a href="data-docs/">Data docs</a></p>'
        + filter_form(data)
        + "</header><main>"
        + section("Anomalies", [anomalies_panel(data.anomalies, filters.credential_id, filters.data_type)], "anomalies")
        + section("Sync health", sync_group, "sync-health")
        + section("API performance", api_group, "api-performance")
        + section("Credential health", credential_group, "credential-health")
        + section("Data quality", quality_group, "data-quality")
        + "</main></body></html>"
    )
