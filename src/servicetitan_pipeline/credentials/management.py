"""Onboard, list, disable and remove credentials: the logic behind ``servicetitan credentials``."""

from __future__ import annotations

import contextlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from servicetitan_pipeline.connection_ids import servicetitan_credential_conn_id
from servicetitan_pipeline.control_characters import control_characters
from servicetitan_pipeline.credentials.secret_store import CredentialSecrets, SecretStore
from servicetitan_pipeline.db.enums import ConnectionStatus
from servicetitan_pipeline.db.models import ServiceTitanCredential
from servicetitan_pipeline.servicetitan.hosts import Environment

_CONN_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,250}$")


class CredentialInputError(ValueError):
    """The input cannot be onboarded; ``problems`` lists each thing to fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class CredentialNotFound(LookupError):
    pass


@dataclass(frozen=True)
class NewCredential:
    """What an admin gives to onboard a tenant. Text as typed; ``validate`` does the parsing."""

    company_name: str
    environment: str
    tenant_id: str
    client_id: str | None = None
    client_secret: str | None = None
    app_key: str | None = None
    company_id: str | None = None
    existing_conn_id: str | None = None
    client_secret_expires_at: datetime | None = None
    base_url: str | None = None

    def __repr__(self) -> str:
        return (
            f"NewCredential(company_name={self.company_name!r}, environment={self.environment!r}, "
            f"tenant_id={self.tenant_id!r}, existing_conn_id={self.existing_conn_id!r})"
        )


@dataclass(frozen=True)
class ValidCredential:
    company_name: str
    environment: Environment
    tenant_id: int
    company_id: uuid.UUID | None
    conn_id: str
    secrets: CredentialSecrets | None  # None: the connection exists already (secrets backend)
    client_secret_expires_at: datetime | None
    base_url: str | None


def validate(new: NewCredential) -> ValidCredential:
    """Check every field and report all problems at once, each with what to do."""
    problems: list[str] = []
    # Surrounding whitespace is dropped from every text field; control characters anywhere are refused.
    company_name = (new.company_name or "").strip()
    problems += _no_control_characters("company name", company_name, "give --company again")
    if not company_name:
        problems.append("company name is empty: give --company")
    elif len(company_name) > 255:
        problems.append("company name is longer than 255 characters")

    environment: Environment | None = None
    try:
        environment = Environment((new.environment or "").strip().lower())
    except ValueError:
        allowed = " or ".join(e.value for e in Environment)
        problems.append(f"unknown environment {new.environment!r}: use {allowed}")

    tenant_id: int | None = None
    tenant_text = str(new.tenant_id or "").strip()
    if not tenant_text.isdigit():
        problems.append(f"tenant id {new.tenant_id!r} is not a number: use the numeric tenant id from ServiceTitan")
    elif not 0 < int(tenant_text) < 2**63:
        problems.append(f"tenant id {tenant_text} is out of range: it must be a positive 64-bit integer")
    else:
        tenant_id = int(tenant_text)

    company_id: uuid.UUID | None = None
    if new.company_id:
        try:
            company_id = uuid.UUID(new.company_id)
        except ValueError:
            problems.append(f"company id {new.company_id!r} is not a UUID")

    secrets: CredentialSecrets | None = None
    if new.existing_conn_id:
        if not _CONN_ID_PATTERN.match(new.existing_conn_id):
            problems.append(f"connection id {new.existing_conn_id!r} may hold only letters, digits, '_', '.', '-'")
        if new.client_secret or new.app_key:
            problems.append("give either --connection-id or the secrets, not both")
    else:
        client_id = (new.client_id or "").strip()
        client_secret = (new.client_secret or "").strip()
        app_key = (new.app_key or "").strip()
        for name, value in (("client id", client_id), ("client secret", client_secret), ("app key", app_key)):
            problems += _no_control_characters(name, value, f"copy the {name} again from ServiceTitan")
        if not client_id:
            problems.append("client id is empty: give --client-id")
        if not client_secret:
            problems.append("client secret is empty: set SERVICETITAN_CLIENT_SECRET or run interactively")
        if not app_key:
            problems.append("app key is empty: set SERVICETITAN_APP_KEY or run interactively")
        if client_id and client_secret and app_key:
            secrets = CredentialSecrets(client_id=client_id, client_secret=client_secret, app_key=app_key)

    base_url = (new.base_url or "").strip() or None
    problems += _no_control_characters("base URL", base_url or "", "give --base-url again")
    if base_url and not re.match(r"^https?://", base_url):
        problems.append(f"base URL {base_url!r} must start with http:// or https://")

    if problems:
        raise CredentialInputError(problems)
    assert environment is not None
    assert tenant_id is not None
    conn_id = new.existing_conn_id or servicetitan_credential_conn_id(environment.value, tenant_id)
    return ValidCredential(
        company_name=company_name,
        environment=environment,
        tenant_id=tenant_id,
        company_id=company_id,
        conn_id=conn_id,
        secrets=secrets,
        client_secret_expires_at=new.client_secret_expires_at,
        base_url=base_url,
    )


def _no_control_characters(field: str, text: str, fix: str) -> list[str]:
    """The problem, if ``text`` holds characters that would drive a terminal or hide in a log (named by
    code point only: the text may be a secret, and printing it would do what is refused)."""
    found = control_characters(text)
    if not found:
        return []
    return [
        f"{field} contains control characters ({', '.join(found)}), which would garble terminals and logs: "
        f"{fix}, without them"
    ]


def onboard(session: Session, new: NewCredential, secret_store: SecretStore) -> ServiceTitanCredential:
    """Validate, then write the credential row and its Airflow connection, or nothing at all."""
    valid = validate(new)
    duplicate = session.scalar(
        sa.select(ServiceTitanCredential).where(
            ServiceTitanCredential.environment == valid.environment,
            ServiceTitanCredential.tenant_id == valid.tenant_id,
        )
    )
    if duplicate is not None:
        raise CredentialInputError(
            [
                f"tenant {valid.tenant_id} in {valid.environment} is already onboarded for "
                f"{duplicate.company_name} (credential {duplicate.id}): remove it first or use another tenant"
            ]
        )
    if valid.secrets is None:
        if not secret_store.exists(valid.conn_id):
            raise CredentialInputError(
                [f"Airflow connection {valid.conn_id!r} does not exist: create it first or pass the secrets instead"]
            )
    elif secret_store.exists(valid.conn_id):
        raise CredentialInputError(
            [f"Airflow connection {valid.conn_id!r} already exists: delete it or pass --connection-id to reuse it"]
        )

    credential = ServiceTitanCredential(
        company_id=valid.company_id or _company_id_for(session, valid.company_name),
        company_name=valid.company_name,
        environment=valid.environment,
        tenant_id=valid.tenant_id,
        airflow_conn_id=valid.conn_id,
        connection_status=ConnectionStatus.PENDING,
        client_secret_expires_at=valid.client_secret_expires_at,
        is_active=True,
    )
    session.add(credential)
    session.flush()  # constraint violations surface here, before any secret is written
    if valid.secrets is not None:
        secret_store.save(
            valid.conn_id,
            description=f"ServiceTitan: {credential.label}",
            secrets=valid.secrets,
            tenant_id=valid.tenant_id,
            environment=valid.environment.value,
            base_url=valid.base_url,
        )
    return credential


def _company_id_for(session: Session, company_name: str) -> uuid.UUID:
    """A company onboarding a second tenant keeps its company id."""
    existing = session.scalar(
        sa.select(ServiceTitanCredential.company_id)
        .where(sa.func.lower(ServiceTitanCredential.company_name) == company_name.lower())
        .limit(1)
    )
    return existing or uuid.uuid4()


def list_credentials(session: Session, include_inactive: bool = True) -> list[ServiceTitanCredential]:
    query = sa.select(ServiceTitanCredential).order_by(
        ServiceTitanCredential.company_name, ServiceTitanCredential.environment, ServiceTitanCredential.tenant_id
    )
    if not include_inactive:
        query = query.where(ServiceTitanCredential.is_active.is_(True))
    return list(session.scalars(query))


def find_credential(session: Session, reference: str) -> ServiceTitanCredential:
    """Find by credential id (UUID) or by ``environment:tenant_id``."""
    reference = reference.strip()
    credential: ServiceTitanCredential | None = None
    if ":" in reference:
        environment, _, tenant = reference.partition(":")
        if tenant.isdigit() and environment in {e.value for e in Environment}:
            credential = session.scalar(
                sa.select(ServiceTitanCredential).where(
                    ServiceTitanCredential.environment == Environment(environment),
                    ServiceTitanCredential.tenant_id == int(tenant),
                )
            )
    else:
        with contextlib.suppress(ValueError):
            credential = session.get(ServiceTitanCredential, uuid.UUID(reference))
    if credential is None:
        raise CredentialNotFound(
            f"no credential {reference!r}: give its id or environment:tenant_id (see `servicetitan credentials list`)"
        )
    return credential


def disable(session: Session, reference: str) -> ServiceTitanCredential:
    credential = find_credential(session, reference)
    credential.is_active = False
    credential.connection_status = ConnectionStatus.DISABLED
    return credential


def enable(session: Session, reference: str) -> ServiceTitanCredential:
    """Sync a disabled credential again; its status is ``pending`` until its next sync connects."""
    credential = find_credential(session, reference)
    credential.is_active = True
    if credential.connection_status is ConnectionStatus.DISABLED:
        credential.connection_status = ConnectionStatus.PENDING
    return credential


def trigger_form_choices(session: Session) -> list[str]:
    """The names the trigger form lists: every credential a run can sync."""
    from servicetitan_pipeline.sync.targets import usable
    from servicetitan_pipeline.sync.trigger_form import choice_names

    return choice_names(c.label for c in list_credentials(session, include_inactive=False) if usable(c))


def remove(session: Session, reference: str, secret_store: SecretStore) -> tuple[ServiceTitanCredential, int]:
    """Delete the credential, its sync logs (cascade) and the Airflow connection this project created for it."""
    credential = find_credential(session, reference)
    log_count = (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(ServiceTitanCredential)
            .join(ServiceTitanCredential.sync_logs)
            .where(ServiceTitanCredential.id == credential.id)
        )
        or 0
    )
    session.delete(credential)
    session.flush()
    if credential.airflow_conn_id == servicetitan_credential_conn_id(credential.environment, credential.tenant_id):
        secret_store.delete(credential.airflow_conn_id)
    return credential, log_count
