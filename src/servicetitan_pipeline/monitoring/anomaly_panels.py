"""The anomaly panels: on a tenant's page its volume against the expected band (per sync and per day), its
freshness and its source schema; on the dashboard the anomalies firing now. The bands are the rules' own
(anomalies/bands.py: the volume bands, and the freshness band at the latest sync with its "late"), and a schema
change is marked by the rule's own test (``schema_changes``), so a chart and an alert never disagree. Drawn as
server-side SVG, as the other charts.

The thresholds are the monitors' (the Variable servicetitan_anomaly_settings), which the web server passes in."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from servicetitan_pipeline.anomalies.bands import (
    BandPoint,
    ResourceBands,
    ResourceFreshness,
    credential_bands,
    credential_freshness,
)
from servicetitan_pipeline.anomalies.rules import schema_changes
from servicetitan_pipeline.anomalies.settings import AnomalySettings
from servicetitan_pipeline.monitoring.dashboard import _fmt, _ticks
from servicetitan_pipeline.sql_files import load_sql

WINDOW_DAYS = 7  # what the tenant page charts


@dataclass
class TenantAnomalies:
    now: datetime
    since: datetime
    settings: AnomalySettings
    bands: list[ResourceBands]
    freshness: list[ResourceFreshness] = field(default_factory=list)
    fields: list[dict[str, Any]] = field(default_factory=list)  # rows of monitoring/select_tenant_source_fields


def load_tenant_anomalies(
    engine: Engine,
    credential_id: uuid.UUID,
    now: datetime | None = None,
    settings: AnomalySettings | None = None,
    days: int = WINDOW_DAYS,
) -> TenantAnomalies:
    now = now or datetime.now(UTC)
    settings = settings or AnomalySettings()
    since = now - timedelta(days=days)
    bands = credential_bands(engine, credential_id, since, now, settings)
    freshness = credential_freshness(engine, credential_id, now, settings)
    with engine.connect() as conn:
        fields = [
            dict(row._mapping)
            for row in conn.execute(
                sa.text(load_sql("monitoring/select_tenant_source_fields")), {"credential_id": credential_id}
            )
        ]
    return TenantAnomalies(now, since, settings, bands, freshness, fields)


# -- the tenant page ------------------------------------------------------------------------------------------

CW, CH, CLEFT, CRIGHT, CTOP, CBOTTOM = 720, 190, 52, 14, 12, 30


def _when(moment: datetime, daily: bool) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d") if daily else moment.strftime("%Y-%m-%d %H:%M UTC")


def _band_text(point: BandPoint) -> str:
    if point.low is None or point.high is None:
        return "no band yet"
    return f"expected {_fmt(round(max(point.low, 0.0), 1))} to {_fmt(round(point.high, 1))}"


def band_chart(resource: str, points: list[BandPoint], since: datetime, until: datetime, *, daily: bool) -> str:
    """The actual values (a line with dots; out-of-band ones larger, in Airflow's failed colour) over the
    expected band (shaded), on a time axis from ``since`` to ``until``. Where a point has no band (too little
    history) none is drawn: never a made-up band."""
    what = "per UTC day" if daily else "per sync"
    if not points:
        nothing = "no complete UTC day of syncs" if daily else "no completed sync"
        return f'<p class="empty">{escape(resource)}: {nothing} in this window.</p>'
    plot_w, plot_h = CW - CLEFT - CRIGHT, CH - CTOP - CBOTTOM
    span = max((until - since).total_seconds(), 1.0)
    # A day's point sits at its middle.
    offset = timedelta(hours=12) if daily else timedelta(0)

    def x(moment: datetime) -> float:
        seconds = (moment + offset - since).total_seconds()
        return CLEFT + plot_w * min(max(seconds / span, 0.0), 1.0)

    highest = max([p.actual for p in points] + [p.high for p in points if p.high is not None])
    ticks = _ticks(highest, integer=True)
    top = ticks[-1] or 1.0

    def y(value: float) -> float:
        return CTOP + plot_h - plot_h * min(max(value, 0.0), top) / top

    parts = []
    for tick in ticks:
        parts.append(f'<line class="grid" x1="{CLEFT}" x2="{CW - CRIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>')
        parts.append(f'<text class="axis" x="{CLEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{_fmt(tick)}</text>')
    # The band: one shaded polygon per run of consecutive points that have one.
    runs: list[list[BandPoint]] = [[]]
    for point in points:
        if point.low is None or point.high is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(point)
    for run in (r for r in runs if r):
        if len(run) == 1:  # alone between unjudged points: a short bar, so it still shows
            p = run[0]
            assert p.low is not None
            assert p.high is not None
            parts.append(
                f'<rect class="band" x="{x(p.at) - 3:.1f}" y="{y(p.high):.1f}" width="6" '
                f'height="{max(y(p.low) - y(p.high), 1):.1f}"/>'
            )
            continue
        upper = [f"{x(p.at):.1f},{y(p.high or 0):.1f}" for p in run]
        lower = [f"{x(p.at):.1f},{y(p.low or 0):.1f}" for p in reversed(run)]
        parts.append(f'<polygon class="band" points="{" ".join(upper + lower)}"/>')
    if len(points) > 1:
        line = " ".join(f"{x(p.at):.1f},{y(p.actual):.1f}" for p in points)
        parts.append(f'<polyline class="actual" points="{line}"/>')
    for p in points:
        outside = p.outside
        title = f"{_when(p.at, daily)}: {_fmt(p.actual)} records new or changed, {_band_text(p)}"
        if outside:
            title += " (out of band)"
        parts.append(
            f'<circle class="{"outside" if outside else "point"}" cx="{x(p.at):.1f}" cy="{y(p.actual):.1f}" '
            f'r="{4.5 if outside else 2.5}"><title>{escape(title)}</title></circle>'
        )
    if daily:  # the first and the last day of the axis, each under its own middle
        first, last = _when(since, True), _when(until - timedelta(days=1), True)
        left, right = x(since), x(until - timedelta(days=1))
        parts.append(f'<text class="axis" x="{left:.1f}" y="{CH - 10}" text-anchor="middle">{first}</text>')
        parts.append(f'<text class="axis" x="{right:.1f}" y="{CH - 10}" text-anchor="middle">{last}</text>')
    else:
        first, last = since.astimezone(UTC).strftime("%m-%d %H:%M"), until.astimezone(UTC).strftime("%m-%d %H:%M")
        parts.append(f'<text class="axis" x="{CLEFT}" y="{CH - 10}">{first}</text>')
        parts.append(f'<text class="axis" x="{CW - CRIGHT}" y="{CH - 10}" text-anchor="end">{last} UTC</text>')
    latest = points[-1]
    outside_count = sum(p.outside for p in points)
    label = (
        f"{resource}: records new or changed {what}, {len(points)} values; latest {_when(latest.at, daily)}: "
        f"{_fmt(latest.actual)}, {_band_text(latest)}; {outside_count} out of band"
    )
    return (
        f'<svg class="chart band-chart" viewBox="0 0 {CW} {CH}" role="img" aria-label="{escape(label)}">'
        f"{''.join(parts)}</svg>"
    )


def _history_note(points: list[BandPoint], settings: AnomalySettings, *, daily: bool) -> str:
    """Says plainly where the baseline cannot judge yet."""
    unjudged = sum(p.expected is None for p in points)
    if not points or not unjudged:
        return ""
    slot = "day type (weekday or weekend)" if daily else "UTC hour and day type"
    need = (
        f"a band needs {settings.min_history_samples} earlier values of the same {slot}, the oldest at least "
        f"{settings.min_history_days} days old"
    )
    if unjudged == len(points):
        return f'<p class="empty not-enough">Not enough history yet: {need}. No band, no verdict.</p>'
    return (
        f'<p class="note not-enough">{unjudged} of {len(points)} without a band (not enough history yet: {need}).</p>'
    )


def _legend() -> str:
    return (
        '<p class="legend-keys"><span class="key band-key">expected band</span> '
        '<span class="key actual-key">actual</span> <span class="key outside-key">out of band</span></p>'
    )


def _hours(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    hours = seconds / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _usual_lag(row: ResourceFreshness) -> str:
    """The band freshness_anomaly judges the age by, as its alert says it."""
    if row.latest_started_at is None:
        return '<span class="empty">no completed sync yet</span>'
    if row.band is None:
        return '<span class="empty">not enough history yet</span>'
    band = row.band
    return (
        f"usually up to {_hours(band.high)} (median {_hours(band.expected)}) "
        f"<span class='note'>{escape(band.basis)}, {band.samples} syncs</span>"
    )


def freshness_table(view: TenantAnomalies) -> str:
    if not view.freshness:
        return '<p class="empty">Freshness: no record loaded yet.</p>'
    rows = []
    for row in view.freshness:
        late = row.late(view.now)
        age = _hours(row.age(view.now))
        if late:
            age += ' <span class="badge failed">late</span>'
        rows.append(
            f"<tr{' class=late' if late else ''}><th scope=row>{escape(row.resource)}</th>"
            f"<td>{_time(row.newest_modified_on)}</td><td>{age}</td><td>{_hours(row.latest_lag_seconds)}</td>"
            f"<td>{_usual_lag(row)}</td></tr>"
        )
    return (
        '<div class="scroll"><table class="freshness"><caption>Freshness: how old the newest record loaded is, '
        "against the lag the freshness alert allows at the last sync (the tenant's own, at the same UTC hour and "
        f"day type over {view.settings.history_days} days); late is what the alert fires on</caption><thead><tr>"
        "<th scope=col>Resource</th><th scope=col>Newest modifiedOn</th><th scope=col>Age now</th>"
        "<th scope=col>Lag at the last sync</th><th scope=col>Usual lag at the last sync</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _time(value: datetime | None) -> str:
    if value is None:
        return "—"
    value = value.astimezone(UTC)
    return f'<time datetime="{value.isoformat()}">{value.strftime("%Y-%m-%d %H:%M")} UTC</time>'


def field_changes(rows: list[dict[str, Any]], now: datetime, settings: AnomalySettings) -> dict[str, dict[str, str]]:
    """Per resource, the fields the schema-drift rule counts as changed within its window: field -> the kind."""
    window_start = now - timedelta(hours=settings.schema_drift_window_hours)
    by_resource: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_resource[row["resource"]].append(row)
    marked: dict[str, dict[str, str]] = {}
    for resource, fields in by_resource.items():
        changes = schema_changes(fields, window_start, settings)
        # The rule names each field as "<field> (<what>)"; the field is the part before.
        marked[resource] = {entry.partition(" (")[0]: kind for kind, entries in changes.items() for entry in entries}
    return marked


def schema_table(view: TenantAnomalies) -> str:
    if not view.fields:
        return '<p class="empty">Source schema: no raw record profiled yet.</p>'
    marked = field_changes(view.fields, view.now, view.settings)
    per_field: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in view.fields:
        per_field[(row["resource"], row["field"])].append(row)
    tables = []
    for resource in sorted({resource for resource, _ in per_field}):
        changed = marked.get(resource, {})
        body = []
        for (res, name), types in sorted(per_field.items(), key=lambda item: (item[0][1] not in changed, item[0])):
            if res != resource:
                continue
            total = sum(int(t["occurrences"]) for t in types)
            nulls = sum(int(t["occurrences"]) for t in types if t["json_type"] == "null")
            kind = changed.get(name)
            ordered = sorted(types, key=lambda t: (t["first_seen_at"], t["json_type"]))  # a retype reads in order
            flag = f'<span class="badge failed">{escape(kind)}</span>' if kind else ""
            body.append(
                f"<tr{' class=changed' if kind else ''}><td><code>{escape(name)}</code></td>"
                f"<td>{escape(', '.join(t['json_type'] for t in ordered))}</td>"
                f"<td>{_time(min(t['first_seen_at'] for t in types))}</td>"
                f"<td>{_time(max(t['last_seen_at'] for t in types))}</td>"
                f"<td>{100 * nulls / total if total else 0:.1f} %</td><td>{flag}</td></tr>"
            )
        note = (
            f"{len(changed)} changed within {view.settings.schema_drift_window_hours} h, listed first"
            if changed
            else f"no change within {view.settings.schema_drift_window_hours} h"
        )
        tables.append(
            f'<div class="scroll schema"><table class="schema"><caption>{escape(resource.capitalize())}: '
            f"{len(body)} fields ({note})</caption><thead><tr><th scope=col>Field</th><th scope=col>JSON types</th>"
            "<th scope=col>First seen</th><th scope=col>Last seen</th><th scope=col>Nulls</th>"
            f"<th scope=col>Change</th></tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        )
    return "".join(tables)


def volume_section(view: TenantAnomalies) -> str:
    """The "Volume and freshness" and "Source schema" sections of a tenant's page."""
    last_day = view.now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    first_day = view.since.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    blocks = []
    for resource in view.bands:
        name = resource.resource
        blocks.append(
            f'<div class="volume" id="volume-{escape(name)}"><h3>{escape(name.capitalize())}</h3>'
            f"<h4>Records new or changed per sync</h4>"
            f"{band_chart(name, resource.syncs, view.since, view.now, daily=False)}"
            f"{_history_note(resource.syncs, view.settings, daily=False)}"
            "<h4>Per UTC day</h4>"
            f"{band_chart(name, resource.days, first_day, last_day, daily=True)}"
            f"{_history_note(resource.days, view.settings, daily=True)}</div>"
        )
    days = (view.now - view.since).days
    return (
        f'<section id="volume"><h2>Volume and freshness</h2><p class="note">The last {days} days of completed '
        "syncs against the tenant's own band (median and spread of the same UTC hour and day type over "
        f"{view.settings.history_days} days); a point outside it is what the volume alerts fire on.</p>"
        f'{_legend()}<div class="volumes">{"".join(blocks)}</div>{freshness_table(view)}</section>'
        f'<section id="source-schema"><h2>Source schema</h2><p class="note">The fields of the raw records '
        "ServiceTitan sent, as profiled per page; a change within the schema-drift window is marked as the "
        f"alert counts it.</p>{schema_table(view)}</section>"
    )
