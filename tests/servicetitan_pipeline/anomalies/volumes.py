"""Rows of the 0013 tables as the collection writes them, in bulk: hourly syncs over weeks (the anomaly tests'
factory; the collection itself is tested under tests/servicetitan_pipeline/sync)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy.engine import Engine

from servicetitan_pipeline.anomalies.baseline import day_type
from servicetitan_pipeline.db.engine import psycopg_conninfo
from tests.servicetitan_pipeline.anomalies.noise import poisson

NOW = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)  # a Wednesday, half past ten


def business_rate(moment: datetime, peak: float = 40.0) -> float:
    hour = moment.hour
    shape = 1.0 if 8 <= hour < 18 else 0.3 if 6 <= hour < 20 else 0.05
    return peak * shape * (0.4 if day_type(moment) == "weekend" else 1.0)


def steady(seed: int = 1, peak: float = 40.0, *, seasonal: bool = True) -> Callable[[datetime], int]:
    """Poisson counts around the business day's rate (``seasonal``) or around ``peak`` at every hour."""
    rng = random.Random(seed)
    return lambda moment: poisson(rng, business_rate(moment, peak) if seasonal else peak)


def hours(until: datetime, days: int) -> list[datetime]:
    """Sync starts on the hour (plus 5 minutes) over ``days`` days up to ``until`` (excluded)."""
    first = until.replace(minute=5, second=0, microsecond=0) - timedelta(days=days)
    return [first + timedelta(hours=h) for h in range(days * 24) if first + timedelta(hours=h) < until]


def add_syncs(
    engine: Engine,
    credential_id: uuid.UUID,
    starts: Iterable[datetime],
    records: Callable[[datetime], int],
    *,
    resource: str = "invoices",
    modified_lag_seconds: float | None = 60.0,
) -> None:
    """One completed sync per start: a sync-log row and its volume row (records new or changed, a third of them
    new). A sync that received records saw one modified ``modified_lag_seconds`` before it started (None: the
    records it received were old); its freshness lag is its end minus the newest modifiedOn so far, and the
    resource profile keeps the newest."""
    logs, volumes = [], []
    newest: datetime | None = None
    for started in starts:
        count = records(started)
        sync_id = uuid.uuid4()
        finished = started + timedelta(minutes=2)
        modified = started - timedelta(seconds=modified_lag_seconds) if count and modified_lag_seconds else None
        newest = max(filter(None, (newest, modified)), default=None)
        logs.append((sync_id, credential_id, resource, started, finished, count, count))
        lag = (finished - newest).total_seconds() if newest else None
        volumes.append(
            (sync_id, resource, credential_id, started, count // 3, count - count // 3, modified, finished, lag)
        )
    with psycopg.connect(psycopg_conninfo(engine)) as conn, conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO servicetitan_sync_logs (id, credential_id, sync_type, data_type, status, started_at,"
            " completed_at, records_processed, records_successful) VALUES (%s, %s, 'scheduled', %s, 'completed',"
            " %s, %s, %s, %s)",
            logs,
        )
        cursor.executemany(
            "INSERT INTO servicetitan_sync_volumes (sync_log_id, resource, credential_id, started_at, records_new,"
            " records_changed, newest_modified_on, completed_at, freshness_lag_seconds)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            volumes,
        )
        if newest is not None:
            cursor.execute(
                "INSERT INTO servicetitan_resource_profiles (credential_id, resource, newest_modified_on)"
                " VALUES (%s, %s, %s) ON CONFLICT (credential_id, resource) DO UPDATE SET newest_modified_on ="
                " greatest(servicetitan_resource_profiles.newest_modified_on, excluded.newest_modified_on)",
                (credential_id, resource, newest),
            )
