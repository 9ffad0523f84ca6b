"""Alert state (Alertmanager-style): firing or resolved per key, repeated only after an interval, one
resolved notice, silences. What still has to reach Slack is kept as ``pending_notification`` until it
is delivered, so a Slack outage delays messages and loses none."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase

import sqlalchemy as sa
from sqlalchemy.orm import Session

from servicetitan_pipeline.alerts.conditions import Evaluation
from servicetitan_pipeline.db.models import ServiceTitanAlert, ServiceTitanAlertSilence, ServiceTitanCredential

FIRING, RESOLVED = "firing", "resolved"
# Why a resolved alert stopped firing when no rule saw its condition clear: its credential was disabled, so
# nothing watches it any more. Said as such ("closed"), never as "back to normal".
CLOSED_BECAUSE = "closed_because"
CREDENTIAL_DISABLED = "credential_disabled"

# Alertmanager's inhibit rules: while a source alert fires for a subject, these alerts of the same subject are
# echoes of its cause (refused credentials also fail the API check and stop the syncs). They keep their own
# state, firing and resolving on their own evidence, but are held unsent; the source's message names them.
# If the source resolves first and an echo still fires, the echo goes out then.
INHIBITED_BY: dict[str, tuple[str, ...]] = {
    "api_unreachable": ("credential_error",),
    "stale_sync": ("credential_error",),
    # Data that stopped changing is expected while no sync succeeds: that is stale_sync's or credential_error's.
    "freshness_anomaly": ("credential_error", "stale_sync"),
    # Records that stopped changing also load fewer records: one cause. (A spike moves modifiedOn on, so it
    # never fires alongside a freshness anomaly.)
    "volume_anomaly": ("freshness_anomaly",),
    "daily_volume_anomaly": ("freshness_anomaly",),
}


@dataclass(frozen=True)
class Notification:
    alert: ServiceTitanAlert
    kind: str  # firing (new or repeated) or resolved
    echoes: tuple[ServiceTitanAlert, ...] = ()  # firing alerts of the same subject this one inhibits


def reconcile(
    session: Session,
    evaluations: Mapping[str, Evaluation],
    repeat_interval: timedelta,
    now: datetime | None = None,
) -> None:
    """Bring the alerts table in line with what the rules just found. ``evaluations`` holds the rules that
    ran to the end, by name: a rule that failed is left out, and its alerts keep their state."""
    now = now or datetime.now(UTC)
    found = {condition.key: condition for evaluation in evaluations.values() for condition in evaluation.conditions}
    rules = set(evaluations)
    existing = {
        alert.key: alert
        for alert in session.scalars(
            sa.select(ServiceTitanAlert).where(
                sa.or_(ServiceTitanAlert.key.in_(found), ServiceTitanAlert.rule.in_(rules))
            )
        )
    }
    for key, condition in found.items():
        alert = existing.get(key)
        if alert is None:
            alert = ServiceTitanAlert(key=key, rule=condition.rule, first_seen_at=now, send_count=0)
            session.add(alert)
        if alert.state != FIRING:
            if alert.state == RESOLVED:  # a new episode: not the old one "still firing"
                alert.first_seen_at = now
                alert.send_count = 0
            alert.state = FIRING
            alert.resolved_at = None
            alert.last_sent_at = None
            alert.pending_notification = FIRING
        elif alert.last_sent_at is not None and now - alert.last_sent_at >= repeat_interval:
            alert.pending_notification = FIRING  # still firing: say so again, once per interval
        alert.severity = condition.severity
        alert.credential_id = condition.credential_id
        alert.summary = condition.summary
        details = {
            "company": condition.company,
            "environment": condition.environment,
            "subject": condition.subject,
            "action": condition.action,
            "numbers": condition.numbers,
            "title": condition.title,
        }
        if condition.resource:  # what the dashboard files the alert under, never parsed back out of the key
            details["resource"] = condition.resource
        alert.details = details
        alert.last_seen_at = now
    _close_alerts_of_disabled_credentials(session, set(found), now)
    for key, alert in existing.items():
        if key in found or alert.state != FIRING or not cleared(alert, evaluations):
            continue
        alert.state = RESOLVED
        alert.resolved_at = now
        # One resolved notice, and only if Slack heard of it firing.
        alert.pending_notification = RESOLVED if alert.last_sent_at is not None else None
    session.flush()


def _close_alerts_of_disabled_credentials(session: Session, found: set[str], now: datetime) -> None:
    """Firing alerts of credentials disabled since: the rules read active credentials only, so without this
    such an alert would fire forever, or, under a rule that judges every active credential, resolve as if
    its cause had cleared. Closed instead, and Slack (if it heard of it) told why."""
    disabled = session.scalars(
        sa.select(ServiceTitanAlert)
        .join(ServiceTitanCredential, ServiceTitanCredential.id == ServiceTitanAlert.credential_id)
        .where(ServiceTitanAlert.state == FIRING, ServiceTitanCredential.is_active.is_(False))
    )
    for alert in disabled:
        if alert.key in found:  # a rule still speaks of it (none reads disabled credentials today)
            continue
        alert.state = RESOLVED
        alert.resolved_at = now
        alert.details = {**(alert.details or {}), CLOSED_BECAUSE: CREDENTIAL_DISABLED}
        alert.pending_notification = RESOLVED if alert.last_sent_at is not None else None


def closed_because(alert: ServiceTitanAlert) -> str | None:
    """Why a resolved alert was closed without its condition clearing (None: it cleared)."""
    return (alert.details or {}).get(CLOSED_BECAUSE) if alert.state == RESOLVED else None


def cleared(alert: ServiceTitanAlert, evaluations: Mapping[str, Evaluation]) -> bool:
    """Whether this run is evidence that the alert's condition is gone: its rule ran and judged its subject
    (the conditions found are checked by the caller)."""
    evaluation = evaluations.get(alert.rule)
    return evaluation is not None and evaluation.covers(subject_of(alert))


def active_silences(session: Session, now: datetime | None = None) -> list[ServiceTitanAlertSilence]:
    now = now or datetime.now(UTC)
    return list(session.scalars(sa.select(ServiceTitanAlertSilence).where(ServiceTitanAlertSilence.expires_at > now)))


def pending_notifications(session: Session, now: datetime | None = None) -> list[Notification]:
    """What to send now: pending and not silenced. A silenced alert stays pending until its silence ends;
    a silenced resolution is simply dropped."""
    silences = active_silences(session, now)
    firing = {
        alert.key: alert
        for alert in session.scalars(sa.select(ServiceTitanAlert).where(ServiceTitanAlert.state == FIRING))
    }
    pending = []
    for alert in session.scalars(
        sa.select(ServiceTitanAlert)
        .where(ServiceTitanAlert.pending_notification.is_not(None))
        .order_by(ServiceTitanAlert.severity, ServiceTitanAlert.key)
    ):
        if any(fnmatchcase(alert.key, silence.key_prefix) for silence in silences):
            if alert.pending_notification == RESOLVED:
                alert.pending_notification = None
            continue
        if alert.pending_notification == FIRING and inhibitor(alert, firing) is not None:
            continue  # held: its cause's alert speaks for it
        assert alert.pending_notification is not None
        echoes = tuple(echo for echo in firing.values() if inhibitor(echo, firing) is alert)
        pending.append(Notification(alert, alert.pending_notification, echoes if alert.state == FIRING else ()))
    return pending


def subject_of(alert: ServiceTitanAlert) -> str:
    return alert.key.removeprefix(f"{alert.rule}:")


def inhibitor(alert: ServiceTitanAlert, firing: Mapping[str, ServiceTitanAlert]) -> ServiceTitanAlert | None:
    """The firing alert that inhibits this one (same subject, a source rule of ``INHIBITED_BY``), if any. A
    subject of one data type (``invoices:production:7``) is inhibited by its credential's (``production:7``)."""
    subject = subject_of(alert)
    subjects = dict.fromkeys((subject, ":".join(subject.split(":")[-2:])))
    for source in INHIBITED_BY.get(alert.rule, ()):
        for candidate in subjects:
            found = firing.get(f"{source}:{candidate}")
            if found is not None:
                return found
    return None


def mark_sent(notifications: Iterable[Notification], now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    for notification in notifications:
        alert = notification.alert
        alert.pending_notification = None
        alert.send_count += 1
        if notification.kind == FIRING:
            alert.last_sent_at = now
