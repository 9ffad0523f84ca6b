"""Alerting against real PostgreSQL and a local Slack receiver, over the Slack provider's webhook hook."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicetitan_devtools.slack_receiver import SlackReceiver
from servicetitan_pipeline.alerts import silences
from servicetitan_pipeline.alerts.monitor import SlackDeliveryError, run_health_monitor, run_sync_failure_monitor
from servicetitan_pipeline.alerts.settings import AlertSettings
from servicetitan_pipeline.db.engine import psycopg_conninfo
from servicetitan_pipeline.db.models import ServiceTitanCredential
from tests.factories import (
    make_alert,
    make_credential,
    make_data_quality_result,
    make_expectation_result,
    make_sync_log,
)

SETTINGS = AlertSettings(api_sample_size=0)


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
        assert "still firing (sent 1 time before)" in message_text(slack.snapshot()[1])
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

    def test_disabling_the_credential_closes_its_alert_without_calling_it_fixed(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        from servicetitan_pipeline.credentials.management import disable

        credential = add_credential(session, 509)
        add_failures(session, credential, 3)
        run_sync_failure_monitor(engine, SETTINGS)
        disable(session, str(credential.id))
        session.commit()
        # The failures are still in the window: the rule, which reads active credentials only, no longer sees them.
        run_sync_failure_monitor(engine, SETTINGS)
        run_sync_failure_monitor(engine, SETTINGS)
        _first, closed = slack.snapshot()
        text = message_text(closed)
        assert "1 closed" in text
        assert "*Closed*" in text
        assert "its credential was disabled, so nothing watches it now; not a sign the cause was fixed" in text
        assert "Resolved" not in text
        assert "back to normal" not in text
        (alert,) = alerts(engine)
        assert (alert.state, alert.details["closed_because"], alert.pending_notification) == (
            "resolved",
            "credential_disabled",
            None,
        )

    def test_an_unsent_alert_of_a_disabled_credential_closes_silently(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        credential = add_credential(session, 510)
        add_failures(session, credential, 3)
        silences.add_silence(session, "repeated_failures:*", timedelta(hours=1), "maintenance", "ops")
        session.commit()
        run_sync_failure_monitor(engine, SETTINGS)  # held by the silence: Slack never heard of it
        credential.is_active = False
        session.commit()
        run_sync_failure_monitor(engine, SETTINGS)
        assert slack.snapshot() == []
        (alert,) = alerts(engine)
        assert (alert.state, alert.pending_notification) == ("resolved", None)

    def test_an_alert_that_fires_again_after_resolving_is_a_new_one(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        credential = add_credential(session, 509)
        add_failures(session, credential, 3)
        run_sync_failure_monitor(engine, SETTINGS)
        with engine.begin() as conn:  # the failures age out of the window: resolved
            conn.execute(
                sa.text(
                    "UPDATE servicetitan_sync_logs SET started_at = started_at - interval '2 hours',"
                    " completed_at = completed_at - interval '2 hours'"
                )
            )
        run_sync_failure_monitor(engine, SETTINGS)
        add_failures(session, credential, 3)  # failing again
        run_sync_failure_monitor(engine, SETTINGS)
        _first, _resolved, again = slack.snapshot()
        assert "still firing" not in message_text(again)  # not the old one repeated
        assert alerts(engine)[0].send_count == 1

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
        conninfo = psycopg_conninfo(engine)
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


class TestApiUnreachableCoverage:
    """The API check samples credentials: one not checked this run keeps its alert, never "resolved"."""

    def test_an_unchecked_credential_is_not_resolved(self, make_world: Any, slack: SlackReceiver) -> None:
        from tests.sync_world import tenant

        refused = {"faults": {"invalid_credentials": True}}
        world = make_world(tenant(1001), *(tenant(t, **refused) for t in (1002, 1003, 1004)), tenant(1005))
        first = run_health_monitor(world.engine, AlertSettings(api_sample_size=5))
        unreachable = [f"api_unreachable:integration:{t}" for t in (1002, 1003, 1004)]
        assert sorted(key for key in first.conditions if key.startswith("api_unreachable")) == unreachable
        slack.clear()

        # A smaller sample than the credentials, and than those unreachable: two of them go unchecked.
        second = run_health_monitor(world.engine, AlertSettings(api_sample_size=1))
        # The one checked is one whose alert fires (they come first in the sample), and it still fails.
        (rechecked,) = [key for key in second.conditions if key.startswith("api_unreachable")]
        assert rechecked in unreachable
        assert not any(sent.startswith("resolved:") for sent in second.sent)
        assert "Resolved" not in json.dumps(slack.snapshot())
        assert [(a.key, a.state) for a in alerts(world.engine) if a.rule == "api_unreachable"] == [
            (key, "firing") for key in unreachable
        ]

    def test_credentials_whose_alert_fires_are_checked_first(self, session: Session, engine: Engine) -> None:
        import psycopg

        from servicetitan_pipeline.sql_files import load_sql

        credentials = [add_credential(session, tenant_id) for tenant_id in range(600, 606)]
        now = datetime.now(UTC)
        session.add(
            make_alert(
                credentials[3], "api_unreachable:integration:603", severity="high", first_seen_at=now, last_seen_at=now
            )
        )
        session.commit()
        conninfo = psycopg_conninfo(engine)
        with psycopg.connect(conninfo) as conn:
            for _ in range(5):
                sample = conn.execute(load_sql("alerts/select_api_check_sample"), {"sample_size": 2}).fetchall()
                assert sample[0][3] == 603
                assert len(sample) == 2


class TestCoverage:
    """An alert resolves only when its rule ran and looked at its subject."""

    def test_a_rule_that_fails_resolves_nothing_and_the_others_still_alert(
        self, session: Session, engine: Engine, slack: SlackReceiver, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from servicetitan_pipeline.alerts import rules
        from servicetitan_pipeline.alerts.monitor import RuleEvaluationError

        stale = add_credential(session, 610, company="Stale Co")
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE servicetitan_credentials SET created_at = now() - interval '10 days'"))
        assert run_health_monitor(engine, SETTINGS).conditions == ["stale_sync:integration:610"]
        now = datetime.now(UTC)
        session.add(
            make_sync_log(stale, started_at=now, completed_at=now, records_successful=10, records_failed=0)
        )  # no longer stale...
        add_credential(session, 611, company="Broken Co", connection_status="error", last_error="invalid_client")
        slack.clear()

        def broken(*args: Any) -> Any:
            raise RuntimeError("statement timeout")

        monkeypatch.setitem(rules.SIX_HOUR_RULES, "stale_sync", broken)  # ...but the rule cannot say so
        with pytest.raises(RuleEvaluationError, match="stale_sync could not be evaluated"):
            run_health_monitor(engine, SETTINGS)
        broken_alert, stale_alert = alerts(engine)
        assert (stale_alert.key, stale_alert.state, stale_alert.pending_notification) == (
            "stale_sync:integration:610",
            "firing",
            None,
        )
        assert (broken_alert.key, broken_alert.state) == ("credential_error:integration:611", "firing")
        alert_message_, _digest = slack.snapshot()
        assert "Broken Co" in message_text(alert_message_)
        assert "Resolved" not in message_text(alert_message_)

    def test_failed_records_resolve_only_on_syncs_in_the_window(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        noisy = add_credential(session, 612, company="Noisy Co")

        def sync(hours_ago: float, failed: int) -> None:
            started = datetime.now(UTC) - timedelta(hours=hours_ago)
            session.add(
                make_sync_log(
                    noisy, started_at=started, completed_at=started, records_processed=100,
                    records_successful=100 - failed, records_failed=failed,
                )
            )  # fmt: skip
            session.commit()

        sync(hours_ago=1, failed=20)
        assert run_health_monitor(engine, SETTINGS).conditions == ["data_quality:integration:612"]
        with engine.begin() as conn:  # no sync since: the bad one ages out of the window
            conn.execute(sa.text("UPDATE servicetitan_sync_logs SET started_at = started_at - interval '12 hours'"))
        assert run_health_monitor(engine, SETTINGS).conditions == []
        assert [(a.key, a.state) for a in alerts(engine)] == [("data_quality:integration:612", "firing")]
        sync(hours_ago=0.5, failed=0)  # a clean sync: evidence that it cleared
        run_health_monitor(engine, SETTINGS)
        assert [(a.key, a.state) for a in alerts(engine)] == [("data_quality:integration:612", "resolved")]
        assert "Resolved" in message_text(slack.snapshot()[-2])


def add_quality_result(
    session: Session,
    credential: ServiceTitanCredential,
    data_type: str,
    invalid_records: int,
    hours_ago: float = 1,
    **values: Any,
) -> None:
    """A sync of ``data_type`` ``hours_ago`` and its validation: 100 records, ``invalid_records`` of them bad."""
    started = datetime.now(UTC) - timedelta(hours=hours_ago)
    sync_log = make_sync_log(
        credential,
        data_type=data_type,
        started_at=started,
        completed_at=started,
        records_successful=10,
        records_failed=0,
    )
    session.add(sync_log)
    session.flush()
    session.add(make_data_quality_result(sync_log, data_type=data_type, invalid_records=invalid_records, **values))
    session.commit()


FAILING_EXPECTATIONS = [
    make_expectation_result("email", 1, description="email looks like an address"),
    make_expectation_result("zip", 8, description="zip is 5 digits <US>", sample_ids=[424242]),
    make_expectation_result("name", 0),
    make_expectation_result("phone", 3, description="phone is filled"),
    make_expectation_result("city", 5, description="city is filled"),
    {"expectation": "expect_table_row_count_to_be_between", "column": "", "description": "rows arrived",
     "success": False, "element_count": 0, "unexpected_count": None, "unexpected_percent": None, "sample_ids": []},
]  # fmt: skip


class TestDataQualityScore:
    def test_fires_per_data_type_below_the_threshold_only(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        acme = add_credential(session, 570)
        add_quality_result(session, acme, "customers", 12, expectation_results=FAILING_EXPECTATIONS)  # 88.00
        add_quality_result(session, acme, "invoices", 7)  # 93.00
        fine = add_credential(session, 571, company="Fine Co")
        add_quality_result(session, fine, "customers", 5)  # 95.00: the threshold itself is fine
        add_quality_result(session, fine, "invoices", 0)

        report = run_health_monitor(engine, SETTINGS)

        assert sorted(report.conditions) == [
            "data_quality_score:customers:integration:570",
            "data_quality_score:invoices:integration:570",
        ]
        alert_message_, _digest = slack.snapshot()
        text = message_text(alert_message_)
        assert "MEDIUM" in text
        assert "customers data-quality score 88.00% is below the 95% threshold" in text
        assert "invoices data-quality score 93.00% is below the 95% threshold" in text
        assert "Fine Co" not in text
        # The three failing expectations with the most unexpected records, most first; text escaped for Slack.
        assert (
            "Fix the failing expectations with the most unexpected records: zip is 5 digits &lt;US&gt; (8 records), "
            "city is filled (5 records), phone is filled (3 records)."
        ) in text
        assert "email looks like an address" not in text
        page = "validations/servicetitan_customers/run/20261118T100000Z/abc.html"
        assert f"<http://localhost:8080/servicetitan/data-docs/{page}|validation report>" in text
        assert "424242" not in text  # record ids stay in the data docs
        assert slack.webhook_url not in text
        assert "password" not in text.lower()
        (customers, invoices) = alerts(engine)
        assert customers.details["numbers"] == {"score": 88.0, "threshold": 95.0, "records": 100, "invalid": 12}
        assert (customers.severity, invoices.severity) == ("medium", "medium")

    def test_the_latest_result_within_the_window_decides_and_resolves(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        acme = add_credential(session, 572)
        add_quality_result(session, acme, "customers", 50, hours_ago=8)  # older than the 6-hour window
        add_quality_result(session, acme, "customers", 20, hours_ago=2)
        add_quality_result(session, acme, "customers", 1, hours_ago=3, data_docs_page=None)  # not the latest
        assert run_health_monitor(engine, SETTINGS).conditions == ["data_quality_score:customers:integration:572"]
        assert "80.00% is below" in message_text(slack.snapshot()[0])

        add_quality_result(session, acme, "customers", 1, hours_ago=0.5)  # the next sync is fine again
        assert run_health_monitor(engine, SETTINGS).conditions == []
        resolved = message_text(slack.snapshot()[2])
        assert "Resolved" in resolved
        assert "(integration, tenant 572) · customers" in json.loads(resolved)["text"]
        (alert,) = alerts(engine)
        assert alert.state == "resolved"

    def test_a_validation_of_no_records_neither_fires_nor_resolves(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        acme = add_credential(session, 576)
        add_quality_result(session, add_credential(session, 577, company="Empty Co"), "invoices", 0, total_records=0)
        assert run_health_monitor(engine, SETTINGS).conditions == []  # not 0 %
        add_quality_result(session, acme, "customers", 20, hours_ago=2)
        assert run_health_monitor(engine, SETTINGS).conditions == ["data_quality_score:customers:integration:576"]
        add_quality_result(session, acme, "customers", 0, hours_ago=0.5, total_records=0)  # not 100 % either
        assert run_health_monitor(engine, SETTINGS).conditions == ["data_quality_score:customers:integration:576"]
        assert "Resolved" not in json.dumps(slack.snapshot())
        assert [(a.key, a.state) for a in alerts(engine)] == [
            ("data_quality_score:customers:integration:576", "firing")
        ]

    def test_results_older_than_the_window_are_left_alone(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        add_quality_result(session, add_credential(session, 573), "invoices", 60, hours_ago=7)
        assert run_health_monitor(engine, SETTINGS).conditions == []
        wider = AlertSettings(quality_window_hours=12, api_sample_size=0)
        assert run_health_monitor(engine, wider).conditions == ["data_quality_score:invoices:integration:573"]

    def test_threshold_is_a_setting_and_a_missing_page_links_the_index(
        self, session: Session, engine: Engine, slack: SlackReceiver, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        add_quality_result(session, add_credential(session, 574), "invoices", 2, data_docs_page=None)  # 98.00
        assert run_health_monitor(engine, SETTINGS).conditions == []
        monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://example.com/airflow/")
        stricter = AlertSettings(min_data_quality_score=99.5, api_sample_size=0)
        assert run_health_monitor(engine, stricter).conditions == ["data_quality_score:invoices:integration:574"]
        text = message_text(slack.snapshot()[1])
        assert "98.00% is below the 99.5% threshold" in text
        assert "<https://example.com/airflow/servicetitan/data-docs/index.html|data docs (this validation" in text

    def test_a_credential_silence_mutes_both_data_types(
        self, session: Session, engine: Engine, slack: SlackReceiver
    ) -> None:
        acme = add_credential(session, 575)
        add_quality_result(session, acme, "customers", 20)
        add_quality_result(session, acme, "invoices", 20)
        silences.add_silence(session, silences.key_pattern(None, "integration:575"), timedelta(hours=1), "x", None)
        session.commit()
        run_health_monitor(engine, SETTINGS)
        assert "ServiceTitan alert" not in json.dumps([m["text"] for m in slack.snapshot()])
        assert [alert.pending_notification for alert in alerts(engine)] == ["firing", "firing"]
