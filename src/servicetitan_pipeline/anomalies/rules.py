"""The anomaly rules, in the alert system like the others: each returns an ``Evaluation`` whose
judged subjects are only those it had evidence about (a sync completed in the look-back, a day with completed
syncs, a resource profiled), so that an alert resolves only on evidence. Subjects put the resource first
(``invoices:production:1234``), like data_quality_score, so a silence of a credential (``*:production:1234``)
matches. Every rule reads ``now`` from its caller, never the database clock, so a simulation can drive it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row

from servicetitan_pipeline.alerts.conditions import LOW, MEDIUM, Condition, Evaluation
from servicetitan_pipeline.alerts.settings import AlertSettings
from servicetitan_pipeline.anomalies.baseline import Band, freshness_band, seasonal_band
from servicetitan_pipeline.anomalies.settings import AnomalySettings
from servicetitan_pipeline.metrics import DataQualityMetrics
from servicetitan_pipeline.sql_files import load_sql

MAX_FIELDS_LISTED = 8  # per change kind, in one alert; the count says how many more

Rule = Callable[[psycopg.Connection[Any], AlertSettings], Evaluation]


def subject(row: dict[str, Any]) -> str:
    return f"{row['resource']}:{row['environment']}:{row['tenant_id']}"


def _rows(conn: psycopg.Connection[Any], name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(load_sql(name), params)
        return cursor.fetchall()


def _condition(row: dict[str, Any], rule: str, severity: str, summary: str, action: str, **numbers: Any) -> Condition:
    return Condition(
        rule=rule,
        severity=severity,
        credential_id=row["credential_id"],
        subject=subject(row),
        company=row["company_name"],
        environment=str(row["environment"]),
        summary=summary,
        action=action,
        numbers=numbers,
        resource=row["resource"],
    )


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


@dataclass
class AnomalyRules:
    """The anomaly rules of one monitor run: its settings, its ``now`` and where its metrics go."""

    settings: AnomalySettings
    now: datetime
    metrics: DataQualityMetrics | None = None
    _recent: list[dict[str, Any]] | None = field(default=None, repr=False)

    def fifteen_minute(self) -> dict[str, Rule]:
        return {
            "volume_anomaly": self.volume_anomaly,
            "freshness_anomaly": self.freshness_anomaly,
            "schema_drift": self.schema_drift,
        }

    def six_hour(self) -> dict[str, Rule]:
        return {"daily_volume_anomaly": self.daily_volume_anomaly}

    def _recent_syncs(self, conn: psycopg.Connection[Any], alert_settings: AlertSettings) -> list[dict[str, Any]]:
        # Volume and freshness judge the same syncs: one query per run for both.
        if self._recent is None:
            since = self.now - timedelta(minutes=self.settings.lookback_minutes)
            self._recent = _rows(
                conn,
                "anomalies/select_recent_sync_volumes",
                {
                    "now": self.now,
                    "since": since,
                    # A sync runs at most running_timeout_minutes (the sweep closes longer ones).
                    "started_since": since - timedelta(minutes=alert_settings.running_timeout_minutes),
                    "history_days": self.settings.history_days,
                },
            )
        return self._recent

    def volume_anomaly(self, conn: psycopg.Connection[Any], alert_settings: AlertSettings) -> Evaluation:
        """Records new or changed by each sync completed in the look-back, against the same slot's syncs."""
        conditions, judged = [], []
        for row in self._recent_syncs(conn, alert_settings):
            history = zip(row["history_started"], row["history_records"], strict=True)
            band = seasonal_band(
                ((moment, float(value)) for moment, value in history), row["started_at"], self.settings
            )
            if band is None:
                continue  # too little history: no verdict, and no evidence to resolve on
            judged.append(subject(row))
            actual = int(row["records"])
            verdict = band.verdict(actual)
            if verdict is None or actual == 0:
                # Nothing new or changed while the sync completed is freshness_anomaly's evidence (records that
                # stopped changing), not a second alert of one cause; judged all the same, so an earlier volume
                # alert of the subject resolves rather than stays stuck while freshness takes over.
                continue
            change = _change(actual, band.expected)
            conditions.append(
                _condition(
                    row,
                    "volume_anomaly",
                    MEDIUM,
                    f"{row['resource']}: the sync of {row['started_at']:%Y-%m-%d %H:%M} UTC loaded {actual:,} records "
                    f"new or changed, {change} the usual {band.expected:,.0f}",
                    _volume_action(verdict, band),
                    actual=actual,
                    expected=round(band.expected, 1),
                    band=f"{band.low:,.1f} to {band.high:,.1f}",
                    history=f"{band.samples} syncs, {band.basis}",
                )
            )
        return self._measured("volume_anomaly", conditions, judged)

    def daily_volume_anomaly(self, conn: psycopg.Connection[Any], alert_settings: AlertSettings) -> Evaluation:
        """The last complete UTC day's total of records new or changed, against the same day type's days."""
        today = self.now.astimezone(UTC).date()
        day_start = datetime.combine(today, datetime.min.time(), UTC) - timedelta(days=1)
        rows = _rows(
            conn,
            "anomalies/select_daily_volumes",
            {
                "day_start": day_start,
                "day_end": day_start + timedelta(days=1),
                "history_start": day_start - timedelta(days=self.settings.history_days),
            },
        )
        conditions, judged = [], []
        for row in rows:
            totals = dict(zip(row["days"], (float(total) for total in row["totals"]), strict=True))
            actual = totals.pop(day_start, 0.0)
            band = seasonal_band(totals.items(), day_start, self.settings, hourly=False)
            if band is None:
                continue
            judged.append(subject(row))
            verdict = band.verdict(actual)
            if verdict is None or actual == 0 or (verdict == "drop" and row["stale_during_day"]):
                # A day with nothing new or changed, or a low day while the subject's freshness alert fired, is
                # freshness_anomaly's (one cause, one alert): its inhibition alone would hold only while freshness
                # fires, and the day is judged again, four times, after that resolves.
                continue
            conditions.append(
                _condition(
                    row,
                    "daily_volume_anomaly",
                    MEDIUM,
                    f"{row['resource']}: {day_start:%Y-%m-%d} loaded {actual:,.0f} records new or changed, "
                    f"{_change(actual, band.expected)} the usual {band.expected:,.0f} on a {band.basis}",
                    _volume_action(verdict, band),
                    actual=int(actual),
                    expected=round(band.expected, 1),
                    band=f"{band.low:,.1f} to {band.high:,.1f}",
                    history=f"{band.samples} days, {band.basis}",
                )
            )
        return self._measured("daily_volume_anomaly", conditions, judged)

    def freshness_anomaly(self, conn: psycopg.Connection[Any], alert_settings: AlertSettings) -> Evaluation:
        """Now minus the newest modifiedOn ever loaded, against the lag the tenant's syncs usually end with at
        this hour. Judged only where a sync completed in the look-back: ServiceTitan answers, but its data
        stopped changing. (No successful sync at all is stale_sync's, which inhibits this.)"""
        conditions, judged, lags = [], [], defaultdict(list)
        for row in self._recent_syncs(conn, alert_settings):
            if row["newest_modified_on"] is None:
                continue
            history = zip(row["history_started"], row["history_lags"], strict=True)
            band = freshness_band(history, row["started_at"], self.settings)
            actual = (self.now - row["newest_modified_on"]).total_seconds()
            lags[row["resource"]].append(actual)
            if band is None:
                continue
            judged.append(subject(row))
            if band.verdict(actual) != "spike":  # fresher than usual is no anomaly
                continue
            conditions.append(
                _condition(
                    row,
                    "freshness_anomaly",
                    MEDIUM,
                    f"{row['resource']}: the newest record loaded was modified {_hours(actual)} ago; "
                    f"usually up to {_hours(band.high)} at this hour (median {_hours(band.expected)})",
                    "ServiceTitan answers but this tenant's records stopped changing: ask the company whether "
                    f"they still work in this tenant. Lag {_hours(actual)}, expected up to {_hours(band.high)} "
                    f"({band.basis}, {band.samples} syncs).",
                    newest_modified_on=row["newest_modified_on"].isoformat(),
                    lag_hours=round(actual / 3600, 1),
                    usual_max_lag_hours=round(band.high / 3600, 1),
                    usual_lag_hours=round(band.expected / 3600, 1),
                    history=f"{band.samples} syncs, {band.basis}",
                )
            )
        if self.metrics is not None:
            for resource, values in lags.items():
                self.metrics.freshness_lags(resource, values)
        return self._measured("freshness_anomaly", conditions, judged)

    def schema_drift(self, conn: psycopg.Connection[Any], alert_settings: AlertSettings) -> Evaluation:
        """Fields appeared, disappeared or retyped within the window, in the raw records of each resource
        profiled within the look-back: one alert per credential and resource, listing the fields."""
        window_start = self.now - timedelta(hours=self.settings.schema_drift_window_hours)
        rows = _rows(
            conn,
            "anomalies/select_source_fields",
            {
                "now": self.now,
                "since": self.now - timedelta(minutes=self.settings.lookback_minutes),
                "window_start": window_start,
            },
        )
        by_resource: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_resource[subject(row)].append(row)
        conditions = []
        totals: dict[str, dict[str, int]] = defaultdict(lambda: {"appeared": 0, "disappeared": 0, "retyped": 0})
        for fields in by_resource.values():
            changes = schema_changes(fields, window_start, self.settings)
            for kind, names in changes.items():
                totals[fields[0]["resource"]][kind] += len(names)
            if not any(changes.values()):
                continue
            row = fields[0]
            listed = "; ".join(f"{kind}: {_listed(names)}" for kind, names in changes.items() if names)
            total = sum(len(names) for names in changes.values())
            severity = LOW if not changes["disappeared"] and not changes["retyped"] else MEDIUM
            conditions.append(
                _condition(
                    row,
                    "schema_drift",
                    severity,
                    f"{row['resource']}: {total} field change{'s' if total != 1 else ''} in the raw records "
                    f"within {self.settings.schema_drift_window_hours} h ({listed})",
                    "ServiceTitan changed what it sends: check its API changelog, then the loader's field "
                    "mapping and the expectation suites for the fields named. It resolves once the window "
                    "passes without further change.",
                    **{kind: len(names) for kind, names in changes.items()},
                    records_profiled=int(row["records_profiled"]),
                )
            )
        if self.metrics is not None:
            for resource, changed in totals.items():
                self.metrics.schema_changes(resource, changed)
        return self._measured("schema_drift", conditions, by_resource)

    def _measured(self, rule: str, conditions: list[Condition], judged: Iterable[str]) -> Evaluation:
        evaluation = Evaluation.of_subjects(conditions, judged)
        if self.metrics is not None:
            self.metrics.anomalies(rule, firing=len(conditions), judged=len(evaluation.judged or ()))
        return evaluation


def schema_changes(
    fields: list[dict[str, Any]], window_start: datetime, settings: AnomalySettings
) -> dict[str, list[str]]:
    """What changed in one resource's fields (rows of anomalies/select_source_fields) since ``window_start``.
    appeared: a field first seen within the window, in a resource profiled before it; retyped: a field seen
    with a new JSON type (null aside: that is a share of nulls) within the window, after another; disappeared: a
    field usually present (``schema_min_presence`` of the records before it was last seen), last seen within
    the window, and absent from the ``schema_min_records_missing`` records profiled since."""
    profile = fields[0]
    changes: dict[str, list[str]] = {"appeared": [], "disappeared": [], "retyped": []}
    types: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in fields:
        if row["field"] is not None:
            types[row["field"]].append(row)
    profiled_before = profile["first_profiled_at"] is not None and profile["first_profiled_at"] < window_start
    for name, rows in sorted(types.items()):
        first_seen = min(row["first_seen_at"] for row in rows)
        if first_seen >= window_start:
            if profiled_before:
                changes["appeared"].append(f"{name} ({'/'.join(sorted(row['json_type'] for row in rows))})")
            continue
        typed = sorted((row for row in rows if row["json_type"] != "null"), key=lambda row: row["first_seen_at"])
        new = [row for row in typed[1:] if row["first_seen_at"] >= window_start]
        if new and typed[0]["first_seen_at"] < window_start:
            old = "/".join(row["json_type"] for row in typed if row["first_seen_at"] < window_start)
            changes["retyped"].append(f"{name} ({old} → {'/'.join(row['json_type'] for row in new)})")
        last_seen = max(row["last_seen_at"] for row in rows)
        profiled_at_last_seen = max(int(row["records_profiled_at_last_seen"]) for row in rows)
        missing = int(profile["records_profiled"]) - profiled_at_last_seen
        presence = sum(int(row["occurrences"]) for row in rows) / max(profiled_at_last_seen, 1)
        if (
            last_seen >= window_start
            and missing >= settings.schema_min_records_missing
            and presence >= settings.schema_min_presence
        ):
            changes["disappeared"].append(f"{name} (absent from the last {missing:,} records)")
    return changes


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_FIELDS_LISTED])
    return shown + (f" and {len(names) - MAX_FIELDS_LISTED} more" if len(names) > MAX_FIELDS_LISTED else "")


def _change(actual: float, expected: float) -> str:
    if expected <= 0:
        return "against"
    ratio = actual / expected
    if ratio < 1:
        return f"{(1 - ratio) * 100:.0f}% below"
    return f"{ratio:.1f}x"


def _volume_action(verdict: str, band: Band) -> str:
    if verdict == "drop":
        what = (
            "Fewer records than usual: check the sync's log for skipped pages or filters, and ask the company "
            "whether their activity changed."
        )
    else:
        what = "More records than usual: a bulk import or edit in ServiceTitan, or a sync re-reading old records?"
    return f"{what} Expected {band.low:,.1f} to {band.high:,.1f} ({band.basis}, {band.samples} samples)."
