"""Silences: mute alerts whose key matches a glob until an expiry (``servicetitan alerts silence``)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from servicetitan_pipeline.db.models import ServiceTitanAlertSilence

RULES = (
    "repeated_failures",
    "credential_error",
    "secret_expiring",
    "stale_sync",
    "data_quality",
    "data_quality_score",
    "api_unreachable",
    "volume_anomaly",
    "daily_volume_anomaly",
    "freshness_anomaly",
    "schema_drift",
)
# Rules whose subject starts with a data type (``invoices:production:1001``): their credential pattern skips it.
DATA_TYPE_RULES = frozenset(
    {"data_quality_score", "volume_anomaly", "daily_volume_anomaly", "freshness_anomaly", "schema_drift"}
)
_DURATION = re.compile(r"^(\d+)([mhd])$")


class SilenceInputError(ValueError):
    pass


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise SilenceInputError(f"duration {text!r} is not like 30m, 6h or 2d")
    amount, unit = int(match.group(1)), match.group(2)
    if amount <= 0:
        raise SilenceInputError("the duration must be positive")
    return {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]


def key_pattern(rule: str | None, credential: str | None) -> str:
    """A glob over alert keys: ``rule:environment:tenant``, ``rule:*`` or ``*:environment:tenant``."""
    if rule and rule not in RULES:
        raise SilenceInputError(f"unknown rule {rule!r}: use one of {', '.join(RULES)}")
    if credential and not re.match(r"^(integration|production):\d+$", credential):
        raise SilenceInputError(f"credential {credential!r} must be environment:tenant_id, e.g. production:1001")
    if not rule and not credential:
        raise SilenceInputError("give --rule, --credential, or both")
    if rule and credential:
        return f"{rule}:*:{credential}" if rule in DATA_TYPE_RULES else f"{rule}:{credential}"
    if rule:
        return f"{rule}:*"
    return f"*:{credential}"


def add_silence(
    session: Session, pattern: str, duration: timedelta, reason: str, created_by: str | None
) -> ServiceTitanAlertSilence:
    if not reason.strip():
        raise SilenceInputError("say why (--reason): the next admin will want to know")
    now = datetime.now(UTC)
    silence = ServiceTitanAlertSilence(
        key_prefix=pattern, reason=reason.strip(), created_by=created_by, created_at=now, expires_at=now + duration
    )
    session.add(silence)
    session.flush()
    return silence


def list_silences(session: Session, include_expired: bool = False) -> list[ServiceTitanAlertSilence]:
    query = sa.select(ServiceTitanAlertSilence).order_by(ServiceTitanAlertSilence.expires_at)
    if not include_expired:
        query = query.where(ServiceTitanAlertSilence.expires_at > sa.func.now())
    return list(session.scalars(query))


def end_silence(session: Session, silence_id: str) -> ServiceTitanAlertSilence:
    try:
        silence = session.get(ServiceTitanAlertSilence, uuid.UUID(silence_id))
    except ValueError:
        silence = None
    if silence is None:
        raise SilenceInputError(f"no silence {silence_id!r}: see `servicetitan alerts list`")
    silence.expires_at = max(silence.created_at + timedelta(microseconds=1), datetime.now(UTC))
    return silence
