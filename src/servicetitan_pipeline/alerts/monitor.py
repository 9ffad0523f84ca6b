"""The monitor DAGs' work: evaluate rules, keep alert state, notify Slack (one message per run)."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy.engine import Engine

from servicetitan_pipeline.alerts import rules
from servicetitan_pipeline.alerts.conditions import Evaluation
from servicetitan_pipeline.alerts.settings import AlertSettings
from servicetitan_pipeline.alerts.slack_messages import DIGEST_HOURS, alert_message, digest_message
from servicetitan_pipeline.alerts.slack_sender import SendToSlack, slack_webhook_sender
from servicetitan_pipeline.alerts.state import mark_sent, pending_notifications, reconcile
from servicetitan_pipeline.alerts.sweep import close_overdue_syncs
from servicetitan_pipeline.anomalies.rules import AnomalyRules
from servicetitan_pipeline.anomalies.settings import AnomalySettings
from servicetitan_pipeline.db.engine import get_engine, psycopg_conninfo, session_scope
from servicetitan_pipeline.db.models import ServiceTitanAlert
from servicetitan_pipeline.metrics import AirflowMetrics, DataQualityMetrics, MetricsBackend
from servicetitan_pipeline.sql_files import load_sql

log = logging.getLogger("servicetitan_pipeline.alerts")
DIGEST_NOTIFIER = "digest"  # its row in servicetitan_notification_log
Rule = Callable[[psycopg.Connection[Any], AlertSettings], Evaluation]


class SlackDeliveryError(RuntimeError):
    """Slack did not take the message; the alerts stay pending for the next run."""


class RuleEvaluationError(RuntimeError):
    """Some rules could not be evaluated; their alerts kept their state and the others went out."""


@dataclass
class MonitorReport:
    conditions: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    closed_sync_logs: int = 0
    digest_sent: bool = False
    digest_unchanged: bool = False  # the same digest already went out within its window: not sent again
    failed_rules: list[str] = field(default_factory=list)


def run_sync_failure_monitor(
    engine: Engine | None = None,
    settings: AlertSettings | None = None,
    send: SendToSlack | None = None,
    *,
    now: datetime | None = None,
    anomaly_settings: AnomalySettings | None = None,
    metrics: MetricsBackend | None = None,
) -> MonitorReport:
    """Every 15 minutes: close rows left running by dead workers, then repeated failures and the per-sync
    anomalies (volume, freshness, schema drift). ``now``: the run's time (a simulation passes its clock); the
    anomaly rules and the alerts' state use it, the older rules read the database's clock."""
    engine = engine or get_engine()
    settings = settings or AlertSettings.from_variables()
    now = now or datetime.now(UTC)
    anomalies = _anomaly_rules(now, anomaly_settings, metrics)
    report = MonitorReport()
    with psycopg.connect(psycopg_conninfo(engine), autocommit=True) as conn:
        report.closed_sync_logs = len(close_overdue_syncs(conn, settings.running_timeout_minutes))
    rule_set = {**rules.FIFTEEN_MINUTE_RULES, **anomalies.fifteen_minute()}
    _evaluate_and_notify(engine, settings, rule_set, send, report, now)
    _raise_if_rules_failed(report)
    return report


def run_health_monitor(
    engine: Engine | None = None,
    settings: AlertSettings | None = None,
    send: SendToSlack | None = None,
    *,
    now: datetime | None = None,
    anomaly_settings: AnomalySettings | None = None,
    metrics: MetricsBackend | None = None,
) -> MonitorReport:
    """Every 6 hours: credential health, stale syncs, data quality, API connectivity, the last day's volume
    anomalies, and a digest. ``now`` as in run_sync_failure_monitor."""
    engine = engine or get_engine()
    settings = settings or AlertSettings.from_variables()
    send = send or slack_webhook_sender()
    now = now or datetime.now(UTC)
    anomalies = _anomaly_rules(now, anomaly_settings, metrics)
    report = MonitorReport()
    _evaluate_and_notify(engine, settings, {**rules.SIX_HOUR_RULES, **anomalies.six_hour()}, send, report, now)
    window = {"window_hours": DIGEST_HOURS}
    with psycopg.connect(psycopg_conninfo(engine)) as conn, conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(load_sql("alerts/select_sync_digest"), window)
        digest = cursor.fetchall()
        cursor.execute(load_sql("alerts/select_digest_failing_credentials"), window)
        failing = cursor.fetchall()
        firing = conn.execute("SELECT count(*) FROM servicetitan_alerts WHERE state = 'firing'").fetchone()
    text, blocks = digest_message(digest, int(firing[0]) if firing else 0, failing)
    _send_digest(engine, send, text, blocks, report)
    _raise_if_rules_failed(report)
    return report


def _send_digest(
    engine: Engine, send: SendToSlack, text: str, blocks: list[dict[str, Any]], report: MonitorReport
) -> None:
    """Deduplicated by content within its window (the notification log, as Alertmanager's): a re-run (a manual
    trigger, a cleared task) with nothing new to say sends nothing; any change (a sync, an alert) makes a new
    digest."""
    entry = {
        "name": DIGEST_NOTIFIER,
        "content_hash": hashlib.sha256(json.dumps([text, blocks], sort_keys=True).encode()).hexdigest(),
        "window_hours": DIGEST_HOURS,
    }
    with psycopg.connect(psycopg_conninfo(engine), autocommit=True) as conn:
        sent = conn.execute(load_sql("alerts/select_digest_already_sent"), entry).fetchone()
        if sent:
            log.info("the digest is the same as the one sent at %s: not sent again", sent[0].isoformat())
            report.digest_unchanged = True
            return
        try:
            send(text, blocks)
        except Exception as exc:  # the digest is informational: its loss is logged, never retried
            log.warning("the 6-hour digest did not reach Slack: %s", type(exc).__name__)
            return
        report.digest_sent = True
        conn.execute(load_sql("alerts/upsert_notification_log"), entry)


def _evaluate_and_notify(
    engine: Engine,
    settings: AlertSettings,
    rule_set: Mapping[str, Rule],
    send: SendToSlack | None,
    report: MonitorReport,
    now: datetime,
) -> None:
    evaluations: dict[str, Evaluation] = {}
    with psycopg.connect(psycopg_conninfo(engine)) as conn:
        for name, rule in rule_set.items():
            try:
                evaluation = rule(conn, settings)
            except Exception:
                # No verdict is no evidence: this rule's alerts keep their state; the other rules go on.
                conn.rollback()
                log.exception("rule %s could not be evaluated; its alerts keep their state", name)
                report.failed_rules.append(name)
                continue
            judged = "every subject" if evaluation.judged is None else f"{len(evaluation.judged)} subject(s)"
            log.info("rule %s: %d condition(s), %s judged", name, len(evaluation.conditions), judged)
            evaluations[name] = evaluation
    report.conditions = [condition.key for evaluation in evaluations.values() for condition in evaluation.conditions]
    with session_scope(engine) as session:
        reconcile(session, evaluations, timedelta(hours=settings.repeat_interval_hours), now)
    with session_scope(engine) as session:
        # Only this rule set's alerts: the other monitor sends its own.
        notifications = [n for n in pending_notifications(session, now) if n.alert.rule in rule_set]
        if not notifications:
            return
        text, blocks = alert_message(notifications, *_links(engine, notifications))
        try:
            (send or slack_webhook_sender())(text, blocks)
        except Exception as exc:
            session.commit()  # silenced resolutions dropped; everything else stays pending
            raise SlackDeliveryError(
                f"Slack did not accept the alert message ({type(exc).__name__}); "
                f"{len(notifications)} alert(s) stay pending and go out on the next run"
            ) from None
        mark_sent(notifications, now)
        report.sent = [f"{n.kind}:{n.alert.key}" for n in notifications]
        log.info("sent %d alert notification(s) in one Slack message", len(notifications))


def _anomaly_rules(now: datetime, settings: AnomalySettings | None, metrics: MetricsBackend | None) -> AnomalyRules:
    return AnomalyRules(
        settings or AnomalySettings.from_variables(), now, DataQualityMetrics(metrics or AirflowMetrics())
    )


def _links(engine: Engine, notifications: list[Any]) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, str]]:
    """For each alerting credential, in one query: its Airflow connection id, and the task log of its latest
    failed sync where its sync-log row records the task (the message links to both)."""
    from servicetitan_pipeline.airflow_ui import airflow_base_url
    from servicetitan_pipeline.monitoring.airflow_links import SyncTask

    ids = sorted({n.alert.credential_id for n in notifications if n.alert.credential_id is not None})
    if not ids:
        return {}, {}
    with psycopg.connect(psycopg_conninfo(engine)) as conn, conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(load_sql("alerts/select_alert_links"), {"credential_ids": ids}).fetchall()
    connections = {row["credential_id"]: row["airflow_conn_id"] for row in rows}
    tasks = {row["credential_id"]: SyncTask.recorded(row["airflow_run_id"], row["airflow_map_index"]) for row in rows}
    failed_logs = {credential: f"{airflow_base_url()}/{task.log_path()}" for credential, task in tasks.items() if task}
    return connections, failed_logs


def _raise_if_rules_failed(report: MonitorReport) -> None:
    if report.failed_rules:
        raise RuleEvaluationError(
            f"rule(s) {', '.join(report.failed_rules)} could not be evaluated (the task log above has each "
            "error); their alerts keep their state until a run evaluates them"
        )


def firing_alerts(engine: Engine | None = None) -> list[ServiceTitanAlert]:
    import sqlalchemy as sa

    with session_scope(engine or get_engine()) as session:
        alerts = list(session.scalars(sa.select(ServiceTitanAlert).where(ServiceTitanAlert.state == "firing")))
        for alert in alerts:
            session.expunge(alert)
    return alerts
