"""The anomalies as the UI shows them: for one credential, per resource, the actual volume against its expected
band (per sync and per day) over a window and its freshness against the band of its latest sync, and, for the
dashboard, the anomalies firing now. The bands are the rules' own (anomalies/baseline.py), so a chart and an
alert never disagree."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy.engine import Engine

from servicetitan_pipeline.anomalies.baseline import Band, freshness_band, seasonal_band
from servicetitan_pipeline.anomalies.settings import AnomalySettings
from servicetitan_pipeline.db.engine import psycopg_conninfo
from servicetitan_pipeline.sql_files import load_sql

RESOURCES = ("customers", "invoices")
ANOMALY_RULES = ("volume_anomaly", "daily_volume_anomaly", "freshness_anomaly", "schema_drift")


@dataclass(frozen=True)
class BandPoint:
    at: datetime  # the sync's start, or the UTC day's
    actual: float
    expected: float | None  # None: too little history for a band (as the rules: no verdict)
    low: float | None
    high: float | None

    @property
    def outside(self) -> bool:
        return self.low is not None and self.high is not None and not self.low <= self.actual <= self.high


@dataclass(frozen=True)
class ResourceBands:
    resource: str
    syncs: list[BandPoint]
    days: list[BandPoint]


@dataclass(frozen=True)
class ResourceFreshness:
    resource: str
    newest_modified_on: datetime | None  # the newest modifiedOn ever loaded
    latest_started_at: datetime | None  # the latest completed sync's start; None: none completed yet
    latest_lag_seconds: float | None  # the lag that sync ended with
    band: Band | None  # what freshness_anomaly judges the lag by at that sync; None: not enough history yet

    def age(self, now: datetime) -> float | None:
        """Seconds since the newest modifiedOn: the lag freshness_anomaly judges."""
        return None if self.newest_modified_on is None else (now - self.newest_modified_on).total_seconds()

    def late(self, now: datetime) -> bool:
        """Whether freshness_anomaly fires on this age (above the band; fresher than usual is no anomaly)."""
        age = self.age(now)
        return self.band is not None and age is not None and self.band.verdict(age) == "spike"


def band_points(
    history: Sequence[tuple[datetime, float]], since: datetime, settings: AnomalySettings
) -> tuple[list[BandPoint], list[BandPoint]]:
    """(per sync, per day) from ``history`` (each completed sync's start and records new or changed, in order,
    from ``history_days`` before ``since``): the syncs from ``since`` on and the UTC days that end after it,
    each with the band the rules judge it by."""
    # Only the window's points get a band (the history before it is their baseline, not drawn).
    syncs = [
        _point(at, value, history[:index], settings, hourly=True)
        for index, (at, value) in enumerate(history)
        if at >= since
    ]
    totals: dict[datetime, float] = {}
    for at, value in history:
        day = at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)  # the UTC day, as the rule
        totals[day] = totals.get(day, 0.0) + value
    daily = sorted(totals.items())
    days = [
        _point(day, total, daily[:index], settings, hourly=False)
        for index, (day, total) in enumerate(daily)
        if day + timedelta(days=1) > since
    ]
    return syncs, days


def _point(
    at: datetime, value: float, history: Sequence[tuple[datetime, float]], settings: AnomalySettings, *, hourly: bool
) -> BandPoint:
    band = seasonal_band(history, at, settings, hourly=hourly)
    if band is None:
        return BandPoint(at, value, None, None, None)
    return BandPoint(at, value, band.expected, band.low, band.high)


def credential_bands(
    engine: Engine, credential_id: uuid.UUID, since: datetime, until: datetime, settings: AnomalySettings
) -> list[ResourceBands]:
    """Per resource, the syncs started in [since, until) and the complete UTC days among them, each against
    its expected band. Reads the window plus ``history_days`` of this credential's rows."""
    result = []
    with psycopg.connect(psycopg_conninfo(engine)) as conn:
        for resource in RESOURCES:
            rows = conn.execute(
                load_sql("anomalies/select_credential_volumes"),
                {
                    "credential_id": credential_id,
                    "resource": resource,
                    "since": since - timedelta(days=settings.history_days),
                    "until": until,
                },
            ).fetchall()
            history = [(row[0], float(row[1])) for row in rows]
            syncs, days = band_points(history, since, settings)
            last_day = until.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            result.append(ResourceBands(resource, syncs, [day for day in days if day.at < last_day]))
    return result


def credential_freshness(
    engine: Engine, credential_id: uuid.UUID, now: datetime, settings: AnomalySettings
) -> list[ResourceFreshness]:
    """Per resource profiled, the newest modifiedOn loaded and the band freshness_anomaly judges its age by, at
    the latest sync completed by ``now``."""
    with psycopg.connect(psycopg_conninfo(engine)) as conn, conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(
            load_sql("anomalies/select_credential_freshness"),
            {"credential_id": credential_id, "now": now, "history_days": settings.history_days},
        )
        rows = cursor.fetchall()
    result = []
    for row in rows:
        at, lag = row["latest_started_at"], row["latest_lag_seconds"]
        history = zip(row["history_started"] or [], row["history_lags"] or [], strict=True)
        band = None if at is None else freshness_band(history, at, settings)
        result.append(
            ResourceFreshness(row["resource"], row["newest_modified_on"], at, None if lag is None else float(lag), band)
        )
    return result


def current_anomalies(engine: Engine) -> list[dict[str, Any]]:
    """The anomaly alerts firing now, for the dashboard: newest first, with what the alert says, under the
    credential's current company name."""
    with psycopg.connect(psycopg_conninfo(engine)) as conn, conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(load_sql("anomalies/select_current_anomalies"), {"rules": list(ANOMALY_RULES)})
        return [{**row, "numbers": row["numbers"] or {}} for row in cursor.fetchall()]
