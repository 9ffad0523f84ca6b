"""What one DAG run syncs: the trigger form's Params resolved into one target per credential."""

from __future__ import annotations

import difflib
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from servicetitan_pipeline.db.enums import ConnectionStatus, DataType, SyncType
from servicetitan_pipeline.db.models import ServiceTitanCredential

ALL_ACTIVE = "all"


class InvalidSyncParams(ValueError):
    """The trigger form's values cannot be run; the message says what to choose instead."""


@dataclass(frozen=True)
class SyncTarget:
    credential_id: str
    label: str
    data_type: str
    sync_type: str
    full_refresh: bool

    def to_xcom(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_xcom(cls, value: dict[str, Any]) -> SyncTarget:
        return cls(**value)


def plan_targets(
    session: Session, *, credential: str, data_type: str, full_refresh: bool, sync_type: str
) -> list[SyncTarget]:
    try:
        chosen_type = DataType(data_type)
    except ValueError:
        raise InvalidSyncParams(f"data_type {data_type!r} is not one of: invoices, customers, both") from None
    kind = SyncType(sync_type)
    credentials = _choose(session, (credential or ALL_ACTIVE).strip())
    return [
        SyncTarget(
            credential_id=str(c.id),
            label=c.label,
            data_type=chosen_type.value,
            sync_type=kind.value,
            full_refresh=bool(full_refresh),
        )
        for c in credentials
    ]


def usable(credential: ServiceTitanCredential) -> bool:
    """A credential a run may sync: active and not disabled."""
    return credential.is_active and credential.connection_status is not ConnectionStatus.DISABLED


def _choose(session: Session, choice: str) -> list[ServiceTitanCredential]:
    everything = list(
        session.scalars(
            sa.select(ServiceTitanCredential).order_by(
                ServiceTitanCredential.company_name,
                ServiceTitanCredential.environment,
                ServiceTitanCredential.tenant_id,
            )
        )
    )
    if choice.lower() == ALL_ACTIVE:
        return [c for c in everything if usable(c)]
    matches = [c for c in everything if _matches(c, choice)]
    if not matches:
        raise InvalidSyncParams(unknown_credential_message(choice, [c.label for c in everything if usable(c)]))
    if len(matches) > 1:
        raise InvalidSyncParams(
            f"{choice!r} matches {len(matches)} credentials ({'; '.join(c.label for c in matches)}): "
            "name one by environment:tenant_id"
        )
    (match,) = matches
    if not usable(match):
        raise InvalidSyncParams(
            f"{match.label} is disabled: choose another credential, or run "
            f"`servicetitan credentials enable {match.environment.value}:{match.tenant_id}`"
        )
    return matches


# How many names a refusal lists: enough to spot the intended one, short enough for one log line.
_LISTED_CHOICES = 5


def unknown_credential_message(choice: str, labels: list[str]) -> str:
    """Key sentence first (a task log is cut at the window's width): what was refused, the closest names,
    then a few valid choices and where to find the rest."""
    if not labels:
        return f"No credential {choice!r}: none is onboarded yet. Onboard one with `servicetitan credentials add`."
    lowered = {label.lower(): label for label in labels}
    close = [lowered[m] for m in difflib.get_close_matches(choice.lower(), list(lowered), n=3, cutoff=0.5)]
    # Also by company name alone ("Acme Plumbng" against "Acme Plumbing (integration, tenant 1001)").
    companies = {label.rsplit(" (", 1)[0].lower(): label for label in labels}
    close += [
        companies[m]
        for m in difflib.get_close_matches(choice.lower(), list(companies), n=3, cutoff=0.6)
        if companies[m] not in close
    ]
    close = close[:3]
    head = f"No credential {choice!r}: " + (f"did you mean {' or '.join(close)}?" if close else "no similar name.")
    listed = [label for label in labels if label not in close][:_LISTED_CHOICES]
    rest = len(labels) - len(close) - len(listed)
    more = f" and {rest} more (`servicetitan credentials list --active`)" if rest > 0 else ""
    return f"{head} Trigger again with 'all' or one of the form's choices: {'; '.join(listed)}{more}."


def _matches(credential: ServiceTitanCredential, choice: str) -> bool:
    lowered = choice.lower()
    try:
        if uuid.UUID(choice) == credential.id:
            return True
    except ValueError:
        pass
    return lowered in {
        credential.label.lower(),
        f"{credential.environment.value}:{credential.tenant_id}",
        credential.company_name.lower(),
        f"{credential.company_name.lower()} ({credential.environment.value})",
    }
