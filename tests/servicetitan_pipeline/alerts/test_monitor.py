"""Alerting against real PostgreSQL and a local Slack receiver, over the Slack provider's webhook hook."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicetitan_pipeline.alerts import silences
from servicetitan_pipeline.alerts.monitor import SlackDeliveryError, run_health_monitor, run_sync_failure_monitor
from servicetitan_pipeline.alerts.settings import AlertSettings
from servicetitan_pipeline.db.models import ServiceTitanCredential
from servicetitan_pipeline.slack_receiver import SlackReceiver
from tests.factories import make_credential, make_sync_log

SETTINGS = AlertSettings(api_sample_size=0)


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackReceiver]:
    with SlackReceiver() as receiver:
        monkeypatch.setenv(
            "AIRFLOW_CONN_SLACK_ALERTS", json.dumps({"conn_type": "slackwebhook", "password": receiver.webhook_url})
        )
        yield receiver


def add_credential(
    session: Session, tenant_id: int, company: str = "Acme Plumbing", **values: Any
) -> ServiceTitanCredential:
    credential = make_credential(tenant_id=tenant_id, company_name=company, **values)
    session.add(credential)
    session.commit()
    return credential


def add_failures(session: Session, credential: ServiceTitanCredential, count: int, minutes_ago: int = 5) -> None:
    for i in range(count):
        started = datetime.now(UTC) - timedelta(minutes=minutes_ago + i)
        session.add(
            make_sync_log(
                credential,
                status="failed",
                started_at=started,
                completed_at=started + timedelta(seconds=3),
                records_processed=0,
                records_successful=0,
                records_failed=0,
                error_message=f"ServiceTitan answered 503 (attempt {i})",
            )
        )
    session.commit()


def alerts(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT * FROM servicetitan_alerts ORDER BY key")))


def message_text(message: dict[str, Any]) -> str:
    return json.dumps(message)


class TestRepeatedFailures:
    def test_three_failures_give_exactly_one_alert(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        credential = add_credential(session, 501)
        add_failures(session, credential, 3)
        report = run_sync_failure_monitor(engine, SETTINGS)
        assert report.conditions == ["repeated_failures:integration:501"]
        (message,) = slack.snapshot()
        text = message_text(message)
        assert "HIGH" in text
        assert "Acme Plumbing" in text
        assert "integration" in text
        assert "3 failed syncs in the last 60 minutes" in text
        assert "ServiceTitan answered 503 (attempt 0)" in text  # the latest error
        assert "/dags/servicetitan_sync/runs" in text
        assert "/servicetitan/dashboard" in text
        assert "What to do" in text
        (alert,) = alerts(engine)
        assert (alert.state, alert.send_count, alert.pending_notification) == ("firing", 1, None)

    def test_two_failures_give_none(self, session: Session, engine: Engine, slack: SlackReceiver) -> None:
        credential = add_credential(session, 502)
        add_failures(session, credential, 2)
        add_failures(session, credential, 3, minutes_ago=90)  # outside the window
        assert run_sync_failure_monitor(engine, SETTINGS).conditions == []
        assert slack.snapshot() == []
        assert alerts(engine) == []

    def test_threshold_and_window_are_settings(self, session: Session, engine: Engine, slack: SlackReceiver) -> None:
        credential = add_credential(session, 503)
        add_failures(session, credential, 2, minutes_ago=100)
        settings = AlertSettings(failure_threshold=2, failure_window_minutes=180, api_sample_size=0)
        assert run_sync_failure_monitor(engine, settings).conditions == ["repeated_failures:integration:503"]

    def test_unchanged_alert_repeats_only_after_the_interval(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        credential = add_credential(session, 504)
        add_failures(session, credential, 3)
        run_sync_failure_monitor(engine, SETTINGS)
        for _ in range(3):  # the next 15-minute runs
            run_sync_failure_monitor(engine, SETTINGS)
        assert len(slack.snapshot()) == 1
        with engine.begin() as conn:  # six hours later
            conn.execute(sa.text("UPDATE servicetitan_alerts SET last_sent_at = last_sent_at - interval '6 hours'"))
        run_sync_failure_monitor(engine, SETTINGS)
        assert len(slack.snapshot()) == 2
        assert "still firing since" in message_text(slack.snapshot()[1])
        assert alerts(engine)[0].send_count == 2

    def test_one_resolved_notice_when_the_condition_clears(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        credential = add_credential(session, 505)
        add_failures(session, credential, 3)
        run_sync_failure_monitor(engine, SETTINGS)
        with engine.begin() as conn:  # the failures age out of the window
            conn.execute(
                sa.text(
                    "UPDATE servicetitan_sync_logs SET started_at = started_at - interval '2 hours',"
                    " completed_at = completed_at - interval '2 hours'"
                )
            )
        run_sync_failure_monitor(engine, SETTINGS)
        run_sync_failure_monitor(engine, SETTINGS)
        _first, resolved = slack.snapshot()
        assert "Resolved" in message_text(resolved)
        assert "Acme Plumbing" in message_text(resolved)
        (alert,) = alerts(engine)
        assert alert.state == "resolved"
        assert alert.resolved_at is not None

    def test_many_credentials_firing_become_one_message(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        for tenant_id in range(510, 516):
            add_failures(session, add_credential(session, tenant_id, company=f"Company {tenant_id}"), 3)
        report = run_sync_failure_monitor(engine, SETTINGS)
        assert len(report.sent) == 6
        (message,) = slack.snapshot()
        assert message["text"].startswith("6 ServiceTitan alerts firing")
        assert all(f"Company {t}" in message_text(message) for t in range(510, 516))

    def test_silence_mutes_until_it_ends(self, session: Session, engine: Engine, slack: SlackReceiver) -> None:
        credential = add_credential(session, 520)
        add_failures(session, credential, 3)
        silence = silences.add_silence(
            session, silences.key_pattern("repeated_failures", "integration:520"), timedelta(hours=2), "deploy", "ops"
        )
        session.commit()
        run_sync_failure_monitor(engine, SETTINGS)
        assert slack.snapshot() == []
        (alert,) = alerts(engine)
        assert alert.pending_notification == "firing"  # held, not lost
        silences.end_silence(session, str(silence.id))
        session.commit()
        run_sync_failure_monitor(engine, SETTINGS)
        assert len(slack.snapshot()) == 1

    def test_a_silence_of_another_credential_does_not_mute(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        add_failures(session, add_credential(session, 521), 3)
        silences.add_silence(session, silences.key_pattern(None, "integration:999"), timedelta(hours=1), "x", None)
        session.commit()
        run_sync_failure_monitor(engine, SETTINGS)
        assert len(slack.snapshot()) == 1

    def test_slack_down_then_back_loses_nothing(self, session: Session, engine: Engine, slack: SlackReceiver) -> None:
        add_failures(session, add_credential(session, 530), 3)
        slack.down = True
        with pytest.raises(SlackDeliveryError, match="stay pending"):
            run_sync_failure_monitor(engine, SETTINGS)
        (alert,) = alerts(engine)
        assert (alert.state, alert.pending_notification, alert.send_count) == ("firing", "firing", 0)
        slack.down = False
        run_sync_failure_monitor(engine, SETTINGS)
        (message,) = slack.snapshot()
        assert "Acme Plumbing" in message_text(message)
        assert alerts(engine)[0].pending_notification is None

    def test_no_secret_reaches_slack(self, session: Session, engine: Engine, slack: SlackReceiver) -> None:
        add_failures(session, add_credential(session, 540), 3)
        run_sync_failure_monitor(engine, SETTINGS)
        text = message_text(slack.snapshot()[0])
        assert slack.webhook_url not in text
        assert "password" not in text.lower()


class TestStaleRunningSweep:
    def test_rows_running_past_the_timeout_are_closed(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        credential = add_credential(session, 550)
        old = datetime.now(UTC) - timedelta(hours=3)
        recent = datetime.now(UTC) - timedelta(minutes=10)
        for started in (old, recent):
            session.add(
                make_sync_log(
                    credential,
                    status="running",
                    started_at=started,
                    completed_at=None,
                    records_processed=0,
                    records_successful=0,
                    records_failed=0,
                )
            )
        session.commit()
        report = run_sync_failure_monitor(engine, SETTINGS)
        assert report.closed_sync_logs == 1
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT status, error_message, started_at FROM servicetitan_sync_logs ORDER BY started_at")
            ).all()
        assert [row.status for row in rows] == ["failed", "running"]
        assert "no worker has been running this sync for over 120 minutes" in rows[0].error_message

    def test_a_long_sync_whose_worker_lives_is_left_alone(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        import psycopg

        from servicetitan_pipeline.sync.locks import SyncLocks

        credential = add_credential(session, 551)
        session.add(
            make_sync_log(
                credential,
                status="running",
                data_type="invoices",
                started_at=datetime.now(UTC) - timedelta(hours=3),
                completed_at=None,
                records_processed=0,
                records_successful=0,
                records_failed=0,
            )
        )
        session.commit()
        conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as worker:
            assert SyncLocks(worker).try_acquire(credential.id, ["invoices"]) == []
            assert run_sync_failure_monitor(engine, SETTINGS).closed_sync_logs == 0
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT status FROM servicetitan_sync_logs")).scalar_one() == "running"


class TestHealthMonitor:
    def test_credential_health_stale_and_quality(self, session: Session, engine: Engine, slack: SlackReceiver) -> None:
        broken = add_credential(
            session, 560, company="Broken Co", connection_status="error", last_error="invalid_client"
        )
        expiring = add_credential(
            session, 561, company="Expiring Co", client_secret_expires_at=datetime.now(UTC) + timedelta(days=3)
        )
        stale = add_credential(session, 562, company="Stale Co")
        noisy = add_credential(session, 563, company="Noisy Co")
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE servicetitan_credentials SET created_at = now() - interval '10 days'"))
        now = datetime.now(UTC)
        for credential in (broken, expiring, noisy):
            session.add(
                make_sync_log(
                    credential,
                    started_at=now - timedelta(hours=1),
                    completed_at=now - timedelta(minutes=59),
                    records_processed=100,
                    records_successful=100 if credential is not noisy else 80,
                    records_failed=0 if credential is not noisy else 20,
                )
            )
        session.add(make_sync_log(stale, started_at=now - timedelta(hours=60), completed_at=now - timedelta(hours=59)))
        session.commit()

        report = run_health_monitor(engine, SETTINGS)

        assert sorted(report.conditions) == [
            "credential_error:integration:560",
            "data_quality:integration:563",
            "secret_expiring:integration:561",
            "stale_sync:integration:562",
        ]
        alert_message_, digest = slack.snapshot()
        text = message_text(alert_message_)
        assert "4 ServiceTitan alerts firing" in alert_message_["text"]
        assert "the client secret expires in 3.0 days" in text or "the client secret expires in 2.9 days" in text
        assert "20.00% of records failed validation" in text
        assert "no successful sync in 48 hours" in text
        assert "ServiceTitan: the last 6 hours" in message_text(digest)
        assert report.digest_sent

    def test_api_connectivity_on_a_sample(self, make_world: Any, slack: SlackReceiver) -> None:
        from tests.sync_world import tenant

        world = make_world(tenant(1001), tenant(1003, faults={"invalid_credentials": True}))
        report = run_health_monitor(world.engine, AlertSettings(api_sample_size=3))
        assert "api_unreachable:integration:1003" in report.conditions
        assert "api_unreachable:integration:1001" not in report.conditions
