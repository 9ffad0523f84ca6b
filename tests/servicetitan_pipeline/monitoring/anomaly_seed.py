"""A tenant with each thing the anomaly panels show, as the collection and the monitor leave it in the tables: four
weeks of hourly invoice syncs ending in a drop (and its firing volume alert), three days of customer syncs (too
little history for a band), and invoice fields of which one appeared and one was retyped within the window.
Shared by the page tests and the browser tests."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import psycopg
from sqlalchemy.engine import Engine

from servicetitan_pipeline.anomalies.bands import credential_bands
from servicetitan_pipeline.anomalies.settings import AnomalySettings
from servicetitan_pipeline.db.engine import psycopg_conninfo
from tests.servicetitan_pipeline.anomalies.volumes import add_syncs, hours, steady

DROP = 3  # records new or changed by the last invoice sync


def seed_anomalies(engine: Engine, credential_id: uuid.UUID, tenant_id: int, company: str, now: datetime) -> None:
    last = now.replace(minute=5, second=0, microsecond=0)
    # The same rate at every hour: the browser tests seed at the hour they run, and a drop to DROP is out of band
    # only where the usual volume is well above it (a night's or a weekend's is not).
    add_syncs(engine, credential_id, hours(now.replace(minute=0), 28), steady(seasonal=False))
    add_syncs(engine, credential_id, [last], lambda _moment: DROP)
    add_syncs(engine, credential_id, hours(now.replace(minute=0), 3), steady(seed=2, peak=12), resource="customers")
    old, recent, seen = now - timedelta(days=20), now - timedelta(hours=3), now - timedelta(minutes=20)
    fields = [
        ("id", "number", old, 5000),
        ("total", "number", old, 4800),
        ("total", "string", recent, 200),  # retyped
        ("memo", "string", old, 3000),
        ("memo", "null", old, 2000),
        ("discountCode", "string", recent, 150),  # appeared
    ]
    # The band the rule judged the drop by: the alert's numbers are the chart's.
    (invoices,) = [r for r in credential_bands(engine, credential_id, last, now, AnomalySettings()) if r.syncs]
    point = invoices.syncs[-1]
    assert point.low is not None
    assert point.high is not None
    assert point.outside, f"the seeded drop is inside its band {point.low:.1f} to {point.high:.1f}"
    with psycopg.connect(psycopg_conninfo(engine)) as conn, conn.cursor() as cursor:
        cursor.execute(
            "UPDATE servicetitan_resource_profiles SET records_profiled = 5000, first_profiled_at = %s,"
            " last_profiled_at = %s WHERE credential_id = %s",
            (old, seen, credential_id),
        )
        cursor.executemany(
            "INSERT INTO servicetitan_source_fields (credential_id, resource, field, json_type, first_seen_at,"
            " last_seen_at, occurrences, records_profiled_at_last_seen) VALUES (%s, 'invoices', %s, %s, %s, %s,"
            " %s, 5000)",
            [(credential_id, name, json_type, first, seen, count) for name, json_type, first, count in fields],
        )
        cursor.execute(
            "INSERT INTO servicetitan_alerts (key, rule, severity, state, credential_id, summary, details,"
            " first_seen_at, last_seen_at) VALUES (%s, 'volume_anomaly', 'medium', 'firing', %s, %s, %s, %s, %s)",
            (
                f"volume_anomaly:invoices:integration:{tenant_id}",
                credential_id,
                f"invoices: the sync of {last:%Y-%m-%d %H:%M} UTC loaded {DROP} records new or changed",
                psycopg.types.json.Jsonb(
                    {
                        "company": company,
                        "environment": "integration",
                        "numbers": {
                            "actual": DROP,
                            "expected": round(point.expected or 0, 1),
                            "band": f"{point.low:,.1f} to {point.high:,.1f}",
                        },
                    }
                ),
                now,
                now,
            ),
        )
