"""The anomaly rules against real PostgreSQL, driven at a simulated ``now`` through the monitors: each kind
raises exactly one alert, rendered in Slack, and resolves when the data is normal again; a steady tenant
raises none."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicetitan_devtools.slack_receiver import SlackReceiver
from servicetitan_pipeline.alerts import silences
from servicetitan_pipeline.alerts.monitor import run_health_monitor, run_sync_failure_monitor
from servicetitan_pipeline.alerts.settings import AlertSettings
from servicetitan_pipeline.anomalies.rules import AnomalyRules
from servicetitan_pipeline.anomalies.settings import AnomalySettings
from servicetitan_pipeline.db.engine import psycopg_conninfo
from servicetitan_pipeline.db.models import ServiceTitanCredential
from servicetitan_pipeline.metrics import DataQualityMetrics
from tests.factories import make_alert, make_credential
from tests.servicetitan_pipeline.anomalies.volumes import NOW, add_syncs, hours, steady

SETTINGS = AlertSettings(api_sample_size=0)
ANOMALY = AnomalySettings()


class RecordedMetrics:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, float, dict[str, Any]]] = []

    def incr(self, stat: str, count: int = 1, *, tags: dict[str, Any]) -> None:
        self.calls.append(("incr", stat, count, tags))

    def gauge(self, stat: str, value: float, *, tags: dict[str, Any]) -> None:
        self.calls.append(("gauge", stat, value, tags))

    def timing(self, stat: str, milliseconds: float, *, tags: dict[str, Any]) -> None:
        self.calls.append(("timing", stat, milliseconds, tags))


def add_credential(session: Session, tenant_id: int) -> ServiceTitanCredential:
    credential = make_credential(tenant_id=tenant_id, company_name=f"Company {tenant_id}")
    session.add(credential)
    session.commit()
    return credential


def fifteen_minutes(engine: Engine, now: datetime, metrics: RecordedMetrics | None = None) -> list[str]:
    report = run_sync_failure_monitor(
        engine, SETTINGS, now=now, anomaly_settings=ANOMALY, metrics=metrics or RecordedMetrics()
    )
    return report.conditions


def six_hours(engine: Engine, now: datetime) -> list[str]:
    report = run_health_monitor(engine, SETTINGS, now=now, anomaly_settings=ANOMALY, metrics=RecordedMetrics())
    return report.conditions


def alert_messages(slack: SlackReceiver) -> list[str]:
    """The alert messages received (the 6-hour digest aside)."""
    texts = [json.dumps(message) for message in slack.snapshot()]
    return [text for text in texts if "the last 6 hours" not in text]


def alert_states(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT key, state FROM servicetitan_alerts")).all())  # type: ignore[arg-type]


def history(engine: Engine, credential: ServiceTitanCredential, peak: float = 40.0, seed: int = 1) -> None:
    """Four weeks of hourly syncs up to NOW's hour."""
    add_syncs(engine, credential.id, hours(NOW.replace(minute=0), 28), steady(seed, peak))


class TestVolume:
    def test_a_drop_of_90_percent_alerts_once_and_resolves_at_the_next_normal_sync(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        credential = add_credential(session, 1701)
        history(engine, credential)
        add_syncs(engine, credential.id, [NOW.replace(minute=5)], lambda _m: 4)  # usually ~40 at 10:00
        metrics = RecordedMetrics()
        assert fifteen_minutes(engine, NOW, metrics) == ["volume_anomaly:invoices:integration:1701"]
        fifteen_minutes(engine, NOW + timedelta(minutes=15))  # judged again: still firing, not sent again
        (message,) = alert_messages(slack)
        print("\n" + json.loads(message)["blocks"][1]["text"]["text"])
        assert "sync volume unusual" in message
        assert "Company 1701" in message
        assert "loaded 4 records new or changed, 90% below the usual 40" in message
        assert re.search(r"Expected [\d.]+ to [\d.]+ \(Wednesday 10:00 UTC, 20 samples\)", message)
        assert ("gauge", "servicetitan.data_quality.anomalies", 1, {"rule": "volume_anomaly"}) in metrics.calls
        assert all("tenant" not in str(tags) for *_rest, tags in metrics.calls)

        add_syncs(engine, credential.id, [NOW.replace(minute=5) + timedelta(hours=1)], lambda _m: 41)
        assert fifteen_minutes(engine, NOW + timedelta(hours=1)) == []
        assert alert_states(engine) == {"volume_anomaly:invoices:integration:1701": "resolved"}
        assert "Resolved" in alert_messages(slack)[-1]
        assert len(alert_messages(slack)) == 2

    def test_a_5x_spike_alerts(self, session: Session, engine: Engine, slack: SlackReceiver) -> None:
        credential = add_credential(session, 1702)
        history(engine, credential)
        add_syncs(engine, credential.id, [NOW.replace(minute=5)], lambda _m: 200)
        assert fifteen_minutes(engine, NOW) == ["volume_anomaly:invoices:integration:1702"]
        assert re.search(r"loaded 200 records new or changed, [45]\.\dx the usual [34]\d\b", alert_messages(slack)[0])

    def test_a_tenant_without_a_sync_in_the_look_back_keeps_its_alert(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        credential = add_credential(session, 1703)
        history(engine, credential)
        add_syncs(engine, credential.id, [NOW.replace(minute=5)], lambda _m: 4)
        fifteen_minutes(engine, NOW)
        # No sync since: no evidence either way, the alert keeps firing.
        assert fifteen_minutes(engine, NOW + timedelta(hours=3)) == []
        assert alert_states(engine) == {"volume_anomaly:invoices:integration:1703": "firing"}

    def test_a_silence_of_the_credential_holds_it(self, session: Session, engine: Engine, slack: SlackReceiver) -> None:
        credential = add_credential(session, 1704)
        history(engine, credential)
        add_syncs(engine, credential.id, [NOW.replace(minute=5)], lambda _m: 4)
        silences.add_silence(
            session, silences.key_pattern(None, "integration:1704"), timedelta(days=365 * 5), "migration", "ops"
        )
        session.commit()
        assert fifteen_minutes(engine, NOW) == ["volume_anomaly:invoices:integration:1704"]
        assert alert_messages(slack) == []

    def test_a_sync_that_received_nothing_is_freshness_evidence_not_a_volume_anomaly(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        credential = add_credential(session, 1706)
        history(engine, credential)
        add_syncs(engine, credential.id, [NOW.replace(minute=5)], lambda _m: 4)
        assert fifteen_minutes(engine, NOW) == ["volume_anomaly:invoices:integration:1706"]
        # Then a completed sync that received nothing: judged (the drop alert resolves), never a volume alert.
        add_syncs(engine, credential.id, [NOW.replace(minute=5) + timedelta(hours=1)], lambda _m: 0)
        metrics = RecordedMetrics()
        assert fifteen_minutes(engine, NOW + timedelta(hours=1), metrics) == []
        assert alert_states(engine) == {"volume_anomaly:invoices:integration:1706": "resolved"}
        assert ("gauge", "servicetitan.data_quality.anomalies_judged", 1, {"rule": "volume_anomaly"}) in metrics.calls

    def test_too_little_history_is_no_verdict(self, session: Session, engine: Engine, slack: SlackReceiver) -> None:
        credential = add_credential(session, 1705)
        add_syncs(engine, credential.id, hours(NOW.replace(minute=0), 5), steady())
        add_syncs(engine, credential.id, [NOW.replace(minute=5)], lambda _m: 0)
        metrics = RecordedMetrics()
        assert fifteen_minutes(engine, NOW, metrics) == []
        assert ("gauge", "servicetitan.data_quality.anomalies_judged", 0, {"rule": "volume_anomaly"}) in metrics.calls


class TestDailyVolume:
    def test_a_day_that_received_almost_nothing_alerts_then_resolves(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        credential = add_credential(session, 1711)
        day = NOW.replace(hour=0, minute=0)  # Wednesday; the day before (Tuesday) receives one record
        add_syncs(engine, credential.id, hours(day - timedelta(days=1), 28), steady(2, peak=6))
        add_syncs(engine, credential.id, hours(day, 1), lambda moment: 1 if moment.hour == 12 else 0)
        assert six_hours(engine, day + timedelta(hours=6)) == ["daily_volume_anomaly:invoices:integration:1711"]
        (message,) = alert_messages(slack)
        print("\n" + json.loads(message)["blocks"][1]["text"]["text"])
        assert re.search(r"2026-11-17 loaded 1 records new or changed, 9\d% below the usual \d+ on a Tuesday", message)
        add_syncs(engine, credential.id, hours(day + timedelta(days=1), 1), steady(3, peak=6))
        assert six_hours(engine, day + timedelta(days=1, hours=6)) == []
        assert alert_states(engine) == {"daily_volume_anomaly:invoices:integration:1711": "resolved"}

    def test_a_day_that_received_nothing_is_freshness_evidence_not_a_daily_anomaly(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        credential = add_credential(session, 1712)
        day = NOW.replace(hour=0, minute=0)
        add_syncs(engine, credential.id, hours(day - timedelta(days=1), 28), steady(2, peak=6))
        add_syncs(engine, credential.id, hours(day, 1), lambda _m: 0)
        metrics = RecordedMetrics()
        report = run_health_monitor(
            engine, SETTINGS, now=day + timedelta(hours=6), anomaly_settings=ANOMALY, metrics=metrics
        )
        assert report.conditions == []
        assert (
            "gauge",
            "servicetitan.data_quality.anomalies_judged",
            1,
            {"rule": "daily_volume_anomaly"},
        ) in metrics.calls

    def test_a_low_day_while_its_freshness_alert_fired_is_that_alert_s(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        credential = add_credential(session, 1713)
        day = NOW.replace(hour=0, minute=0)
        add_syncs(engine, credential.id, hours(day - timedelta(days=1), 28), steady(2, peak=6))
        add_syncs(engine, credential.id, hours(day, 1), lambda moment: 1 if moment.hour == 12 else 0)
        # The records stopped changing from Tuesday morning to evening: freshness alerted, then resolved.
        session.add(
            make_alert(
                credential,
                "freshness_anomaly:invoices:integration:1713",
                state="resolved",
                summary="invoices: the newest record loaded was modified 9.0 h ago",
                first_seen_at=day - timedelta(hours=14),
                last_seen_at=day - timedelta(hours=5),
                resolved_at=day - timedelta(hours=4),
            )
        )
        session.commit()
        assert six_hours(engine, day + timedelta(hours=6)) == []
        # Another subject's freshness alert explains nothing here.
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE servicetitan_alerts SET key = 'freshness_anomaly:customers:integration:1713'"))
        assert six_hours(engine, day + timedelta(hours=12)) == ["daily_volume_anomaly:invoices:integration:1713"]


class TestFreshness:
    def test_records_that_stop_changing_alert_once_and_resolve(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        credential = add_credential(session, 1721)
        stop = NOW - timedelta(hours=30)
        # A small tenant: a few records an hour, so no sync's count of zero is itself an anomaly.
        add_syncs(engine, credential.id, hours(stop, 28), steady(4, peak=3))
        add_syncs(engine, credential.id, hours(NOW.replace(minute=0), 28)[-29:], lambda _m: 0)
        add_syncs(engine, credential.id, [NOW.replace(minute=5)], lambda _m: 0)
        conditions = fifteen_minutes(engine, NOW)
        assert conditions == ["freshness_anomaly:invoices:integration:1721"]
        (message,) = alert_messages(slack)
        print("\n" + json.loads(message)["blocks"][1]["text"]["text"])
        assert "data stopped changing" in message
        assert "the newest record loaded was modified" in message
        # The band's upper limit is recorded with the alert (the dashboard's "vs usually up to"), and Slack says it.
        with engine.connect() as conn:
            numbers = conn.execute(sa.text("SELECT details->'numbers' FROM servicetitan_alerts")).scalar_one()
        assert numbers["lag_hours"] > numbers["usual_max_lag_hours"] > numbers["usual_lag_hours"]
        assert "usually up to (h)" in message

        add_syncs(engine, credential.id, [NOW.replace(minute=5) + timedelta(hours=1)], lambda _m: 3)
        assert fifteen_minutes(engine, NOW + timedelta(hours=1)) == []
        assert alert_states(engine) == {"freshness_anomaly:invoices:integration:1721": "resolved"}

    def test_stale_sync_holds_it(self, session: Session, engine: Engine, slack: SlackReceiver) -> None:
        credential = add_credential(session, 1722)
        stop = NOW - timedelta(hours=30)
        add_syncs(engine, credential.id, hours(stop, 28), steady(4, peak=3))
        add_syncs(engine, credential.id, hours(NOW.replace(minute=0), 28)[-29:], lambda _m: 0)
        add_syncs(engine, credential.id, [NOW.replace(minute=5)], lambda _m: 0)
        with engine.begin() as conn:  # stale_sync fires for this credential (say, another data type's)
            conn.execute(
                sa.text(
                    "INSERT INTO servicetitan_alerts (key, rule, state, severity, first_seen_at, last_seen_at,"
                    " last_sent_at, send_count, summary, details) VALUES ('stale_sync:integration:1722', 'stale_sync',"
                    " 'firing', 'medium', now(), now(), now(), 1, 'stale', '{}')"
                )
            )
        assert fifteen_minutes(engine, NOW) == ["freshness_anomaly:invoices:integration:1722"]
        assert alert_messages(slack) == []  # held: the stale sync speaks for it


class TestSchemaDrift:
    def add_fields(self, engine: Engine, credential_id: uuid.UUID, profiled_at: datetime) -> None:
        fields = [
            # field, type, first seen, last seen, occurrences, records profiled when last seen
            ("id", "number", NOW - timedelta(days=10), profiled_at, 10_000, 10_000),
            ("total", "number", NOW - timedelta(days=10), NOW - timedelta(hours=2), 9_000, 9_000),
            ("total", "string", NOW - timedelta(hours=2), profiled_at, 1_000, 10_000),
            ("summary", "string", NOW - timedelta(days=10), NOW - timedelta(hours=3), 9_000, 9_000),
            ("summary", "null", NOW - timedelta(days=9), NOW - timedelta(hours=4), 10, 8_900),
            ("rareNote", "string", NOW - timedelta(days=10), NOW - timedelta(hours=3), 5, 9_000),
            ("items[].skuId", "number", NOW - timedelta(days=10), profiled_at, 30_000, 10_000),
            ("newField", "string", NOW - timedelta(hours=1), profiled_at, 500, 10_000),
        ]
        with psycopg.connect(psycopg_conninfo(engine)) as conn:
            conn.execute(
                "INSERT INTO servicetitan_resource_profiles (credential_id, resource, records_profiled,"
                " first_profiled_at, last_profiled_at) VALUES (%s, 'invoices', 10000, %s, %s)",
                (credential_id, NOW - timedelta(days=10), profiled_at),
            )
            conn.cursor().executemany(
                "INSERT INTO servicetitan_source_fields (credential_id, resource, field, json_type, first_seen_at,"
                " last_seen_at, occurrences, records_profiled_at_last_seen)"
                " VALUES (%s, 'invoices', %s, %s, %s, %s, %s, %s)",
                [(credential_id, *row) for row in fields],
            )

    def test_fields_appeared_disappeared_retyped_are_one_alert_that_resolves_after_the_window(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        credential = add_credential(session, 1731)
        self.add_fields(engine, credential.id, NOW - timedelta(minutes=10))
        assert fifteen_minutes(engine, NOW) == ["schema_drift:invoices:integration:1731"]
        (message,) = alert_messages(slack)
        print("\n" + json.loads(message)["blocks"][1]["text"]["text"])
        assert "appeared: newField (string)" in message
        assert "disappeared: summary (absent from the last 1,000 records)" in message
        assert "retyped: total (number \\u2192 string)" in message
        assert "rareNote" not in message  # seldom present: its absence says nothing
        assert "skuId" not in message

        later = NOW + timedelta(hours=25)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE servicetitan_resource_profiles SET last_profiled_at = :at"), {"at": later})
        assert fifteen_minutes(engine, later) == []
        assert alert_states(engine) == {"schema_drift:invoices:integration:1731": "resolved"}

    def test_a_first_profile_is_no_drift(self, session: Session, engine: Engine, slack: SlackReceiver) -> None:
        credential = add_credential(session, 1732)
        with psycopg.connect(psycopg_conninfo(engine)) as conn:
            conn.execute(
                "INSERT INTO servicetitan_resource_profiles (credential_id, resource, records_profiled,"
                " first_profiled_at, last_profiled_at) VALUES (%s, 'invoices', 100, %s, %s)",
                (credential.id, NOW - timedelta(minutes=20), NOW - timedelta(minutes=10)),
            )
            conn.execute(
                "INSERT INTO servicetitan_source_fields (credential_id, resource, field, json_type, first_seen_at,"
                " last_seen_at, occurrences, records_profiled_at_last_seen)"
                " VALUES (%s, 'invoices', 'id', 'number', %s, %s, 100, 100)",
                (credential.id, NOW - timedelta(minutes=20), NOW - timedelta(minutes=10)),
            )
        assert fifteen_minutes(engine, NOW) == []


@pytest.mark.parametrize("peak", [0.5, 6.0, 40.0, 400.0])
def test_a_steady_tenant_raises_nothing_over_a_week_of_hourly_judgements(
    session: Session, engine: Engine, peak: float
) -> None:
    credential = add_credential(session, 1740)
    add_syncs(engine, credential.id, hours(NOW.replace(minute=0), 35), steady(int(peak * 10), peak))
    metrics = RecordedMetrics()
    judged = 0
    with psycopg.connect(psycopg_conninfo(engine)) as conn:
        for hour in range(7 * 24):
            now = NOW.replace(minute=30) - timedelta(hours=hour)
            rules = AnomalyRules(ANOMALY, now, DataQualityMetrics(metrics))
            for name, rule in {**rules.fifteen_minute(), **rules.six_hour()}.items():
                evaluation = rule(conn, SETTINGS)
                assert evaluation.conditions == [], f"{name} at {now}: {evaluation.conditions[0].summary}"
                judged += len(evaluation.judged or ())
    assert judged > 7 * 24  # volume and freshness judged almost every hour, the day most of them
