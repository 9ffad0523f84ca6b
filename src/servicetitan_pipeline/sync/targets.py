"""What one DAG run syncs: the trigger form's Params resolved into one target per credential."""

from __future__ import annotations

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


def _usable(credential: ServiceTitanCredential) -> bool:
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
        return [c for c in everything if _usable(c)]
    matches = [c for c in everything if _matches(c, choice)]
    if not matches:
        options = "; ".join(c.label for c in everything if _usable(c)) or "none: onboard one first"
        raise InvalidSyncParams(f"no credential matches {choice!r}. Choose 'all' or one of: {options}")
    if len(matches) > 1:
        raise InvalidSyncParams(
            f"{choice!r} matches {len(matches)} credentials ({'; '.join(c.label for c in matches)}): "
            "name one by environment:tenant_id"
        )
    (match,) = matches
    if not _usable(match):
        raise InvalidSyncParams(
            f"{match.label} is disabled: re-enable it (servicetitan credentials) or choose another credential"
        )
    return matches


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
