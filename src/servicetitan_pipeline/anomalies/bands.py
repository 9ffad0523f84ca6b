"""The anomalies as the UI shows them: for one credential, per resource, the actual volume against its expected
band (per sync and per day) over a window, and, for the dashboard, the anomalies firing now. The bands are the
rules' own (anomalies/baseline.py), so a chart and an alert never disagree."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from servicetitan_pipeline.anomalies.baseline import seasonal_band
from servicetitan_pipeline.anomalies.settings import AnomalySettings
from servicetitan_pipeline.db.engine import psycopg_conninfo, session_scope
from servicetitan_pipeline.db.models import ServiceTitanAlert
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


def current_anomalies(engine: Engine) -> list[dict[str, Any]]:
    """The anomaly alerts firing now, for the dashboard: newest first, with what the alert says."""
    with session_scope(engine) as session:
        alerts = session.scalars(
            sa.select(ServiceTitanAlert)
            .where(ServiceTitanAlert.state == "firing", ServiceTitanAlert.rule.in_(ANOMALY_RULES))
            .order_by(ServiceTitanAlert.first_seen_at.desc(), ServiceTitanAlert.key)
        )
        return [
            {
                "rule": alert.rule,
                "key": alert.key,
                "resource": alert.key.removeprefix(f"{alert.rule}:").split(":")[0],
                "credential_id": alert.credential_id,
                "company": (alert.details or {}).get("company"),
                "environment": (alert.details or {}).get("environment"),
                "severity": alert.severity,
                "summary": alert.summary,
                "numbers": (alert.details or {}).get("numbers") or {},
                "first_seen_at": alert.first_seen_at,
            }
            for alert in alerts
        ]
