"""The anomaly panels' rendering (pure): the expected band behind the actual, out-of-band points marked, "not
enough history" said where the baseline cannot judge, the source schema with the rule's changes marked, and the
dashboard's list of the anomalies firing now, filtered as the dashboard is."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from servicetitan_pipeline.anomalies.bands import BandPoint, ResourceBands, ResourceFreshness
from servicetitan_pipeline.anomalies.baseline import Band
from servicetitan_pipeline.anomalies.settings import AnomalySettings
from servicetitan_pipeline.monitoring.anomaly_panels import (
    TenantAnomalies,
    band_chart,
    field_changes,
    freshness_table,
    schema_table,
    volume_section,
)
from servicetitan_pipeline.monitoring.dashboard import anomalies_panel

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=7)
SETTINGS = AnomalySettings()


def judged(hours_ago: int, actual: float, low: float = 80, high: float = 120) -> BandPoint:
    return BandPoint(NOW - timedelta(hours=hours_ago), actual, (low + high) / 2, low, high)


def unjudged(hours_ago: int, actual: float) -> BandPoint:
    return BandPoint(NOW - timedelta(hours=hours_ago), actual, None, None, None)


def test_the_band_is_shaded_behind_the_actual_and_an_outside_point_is_marked() -> None:
    points = [judged(3, 100), judged(2, 95), judged(1, 5)]
    svg = band_chart("invoices", points, SINCE, NOW, daily=False)
    assert svg.count('class="band"') == 1  # one run of consecutive banded points: one polygon
    assert svg.index('class="band"') < svg.index('class="actual"')  # drawn behind the line
    assert svg.count('class="outside"') == 1
    assert svg.count('class="point"') == 2
    assert "5 records new or changed, expected 80 to 120 (out of band)" in svg
    label = re.search(r'aria-label="([^"]*)"', svg)
    assert label is not None
    assert 'role="img"' in svg
    assert "latest 2026-12-03 11:00 UTC: 5, expected 80 to 120; 1 out of band" in label.group(1)


def test_no_band_is_drawn_where_the_baseline_cannot_judge() -> None:
    points = [unjudged(3, 10), judged(2, 100), unjudged(1, 12)]
    svg = band_chart("customers", points, SINCE, NOW, daily=False)
    # The one banded point alone between unjudged ones: a short bar at it, nothing made up around it.
    assert svg.count('class="band"') == 1
    assert "<rect" in svg
    assert 'class="outside"' not in svg  # no band, no verdict
    assert "12 records new or changed, no band yet" in svg


def test_not_enough_history_is_said_plainly() -> None:
    view = TenantAnomalies(NOW, SINCE, SETTINGS, [ResourceBands("invoices", [unjudged(2, 10), unjudged(1, 11)], [])])
    html = volume_section(view)
    assert "Not enough history yet" in html
    assert "No band, no verdict" in html
    assert 'class="band"' not in html
    assert "invoices: no complete UTC day of syncs in this window" in html

    partly = TenantAnomalies(NOW, SINCE, SETTINGS, [ResourceBands("invoices", [unjudged(2, 10), judged(1, 100)], [])])
    assert "1 of 2 without a band" in volume_section(partly)


def freshness(resource: str, age_hours: float, band: Band | None, synced: bool = True) -> ResourceFreshness:
    latest = NOW - timedelta(minutes=25) if synced else None
    return ResourceFreshness(resource, NOW - timedelta(hours=age_hours), latest, 900.0 if synced else None, band)


def test_the_freshness_table_shows_the_rule_s_band_and_marks_a_late_age() -> None:
    band = Band(expected=2 * 3600, low=-6 * 3600, high=8 * 3600, samples=20, basis="weekday 11:00 UTC")
    rows = [
        freshness("invoices", 30.0, band),  # above the band: what freshness_anomaly fires on
        freshness("customers", 7.9, band),  # within it
    ]
    html = freshness_table(TenantAnomalies(NOW, SINCE, SETTINGS, [], rows))
    invoices = re.search(r"<tr class=late><th scope=row>invoices</th>.*?</tr>", html)
    assert invoices is not None
    assert '30.0 h <span class="badge failed">late</span>' in invoices.group(0)
    assert "usually up to 8.0 h (median 2.0 h)" in invoices.group(0)
    assert "weekday 11:00 UTC, 20 syncs" in invoices.group(0)
    customers = re.search(r"<tr><th scope=row>customers</th>.*?</tr>", html)
    assert customers is not None
    assert "badge" not in customers.group(0)
    assert "usually up to 8.0 h" in customers.group(0)


def test_the_freshness_table_says_when_the_rule_has_no_band() -> None:
    rows = [freshness("invoices", 300.0, None), freshness("customers", 300.0, None, synced=False)]
    html = freshness_table(TenantAnomalies(NOW, SINCE, SETTINGS, [], rows))
    assert "badge" not in html  # no band, no verdict: never late
    assert "class=late" not in html
    invoices = re.search(r"<th scope=row>invoices</th>.*?</tr>", html)
    assert invoices is not None
    assert "not enough history yet" in invoices.group(0)
    assert "no completed sync yet" in html
    assert freshness_table(TenantAnomalies(NOW, SINCE, SETTINGS, [])) == (
        '<p class="empty">Freshness: no record loaded yet.</p>'
    )


def field(resource: str, name: str, json_type: str, first: datetime, last: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "resource": resource,
        "field": name,
        "json_type": json_type,
        "first_seen_at": first,
        "last_seen_at": last,
        "occurrences": extra.get("occurrences", 100),
        "records_profiled_at_last_seen": extra.get("at_last_seen", 1000),
        "records_profiled": 1000,
        "first_profiled_at": NOW - timedelta(days=20),
        "last_profiled_at": NOW - timedelta(minutes=5),
    }


def test_the_schema_table_marks_the_rules_changes_and_shows_the_share_of_nulls() -> None:
    old, recent = NOW - timedelta(days=20), NOW - timedelta(hours=2)
    latest = NOW - timedelta(minutes=5)
    rows = [
        field("invoices", "total", "number", old, latest),
        field("invoices", "total", "string", recent, latest),  # retyped within the window
        field("invoices", "memo", "string", old, latest, occurrences=75),
        field("invoices", "memo", "null", old, latest, occurrences=25),
        field("invoices", "discountCode", "string", recent, latest),  # appeared
    ]
    assert field_changes(rows, NOW, SETTINGS) == {"invoices": {"total": "retyped", "discountCode": "appeared"}}
    html = schema_table(TenantAnomalies(NOW, SINCE, SETTINGS, [], [], rows))
    memo = re.search(r"<tr><td><code>memo</code>.*?</tr>", html)
    assert memo is not None
    assert "25.0 %" in memo.group(0)
    assert "null, string" in memo.group(0)
    assert html.count("<tr class=changed>") == 2
    # Changed fields first.
    assert html.index("discountCode") < html.index("memo")
    assert html.index("total") < html.index("memo")
    assert "2 changed within 24 h" in html


def alert(rule: str, resource: str, credential_id: uuid.UUID, **numbers: Any) -> dict[str, Any]:
    return {
        "rule": rule,
        "key": f"{rule}:{resource}:production:42",
        "resource": resource,
        "credential_id": credential_id,
        "company": "Acme <Plumbing>",
        "environment": "production",
        "severity": "medium",
        "summary": "a summary",
        "numbers": numbers,
        "first_seen_at": NOW - timedelta(hours=1),
    }


def test_the_dashboard_lists_the_anomalies_with_actual_against_band_and_respects_its_filters() -> None:
    acme, other = uuid.uuid4(), uuid.uuid4()
    rows = [
        alert("volume_anomaly", "invoices", acme, actual=3, expected=100.0, band="40.0 to 160.0"),
        alert("freshness_anomaly", "customers", acme, lag_hours=30.2, usual_lag_hours=2.0),
        alert("schema_drift", "invoices", other, appeared=1, retyped=2, disappeared=0),
    ]
    html = anomalies_panel(rows)
    assert f'href="tenants/{acme}"' in html
    assert "Acme &lt;Plumbing&gt;" in html
    assert "3 vs 40.0 to 160.0" in html
    assert "lag 30.2 h vs usual 2.0 h" in html  # an alert from before the upper limit was recorded
    assert "1 appeared, 2 retyped" in html
    assert "2026-12-03 11:00 UTC" in html
    recorded = alert(
        "freshness_anomaly", "invoices", acme, lag_hours=30.2, usual_max_lag_hours=8.0, usual_lag_hours=2.0
    )
    assert "lag 30.2 h vs usually up to 8.0 h (median 2.0 h)" in anomalies_panel([recorded])  # what the rule judged by
    only_acme_invoices = anomalies_panel(rows, acme, "invoices")
    assert "Volume per sync" in only_acme_invoices
    assert "Freshness" not in only_acme_invoices
    assert "Schema drift" not in only_acme_invoices
    assert anomalies_panel(rows, None, "both").count("<tr title=") == 3


def test_no_anomaly_says_what_is_watched() -> None:
    html = anomalies_panel([])
    assert "No anomaly" in html
    assert "seasonal band" in html
    assert "modifiedOn" in html
    assert "No anomaly" in anomalies_panel([alert("volume_anomaly", "invoices", uuid.uuid4())], uuid.uuid4())
