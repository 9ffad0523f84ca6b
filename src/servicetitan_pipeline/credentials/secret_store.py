"""Where credential secrets live: one Airflow connection per credential.

Airflow encrypts a connection's password and extra with its Fernet key (or keeps them in
the deployment's secrets backend), redacts them from task logs, and lets admins rotate
them in Admin > Connections. The project's tables hold only the connection id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol

SERVICETITAN_CONN_TYPE = "servicetitan"
# The app key's extras field. Airflow hides an extra's value (UI, REST API, CLI, logs) only when the field's
# name holds a sensitive word; "api_key" is one of them, in every deployment, whatever its configuration.
APP_KEY_FIELD = "app_api_key"
# Where connections stored before kept it: still read, never written (Airflow shows it in plain text);
# `servicetitan credentials upgrade-connections` moves it.
LEGACY_APP_KEY_FIELD = "app_key"


@dataclass(frozen=True)
class CredentialSecrets:
    client_id: str
    client_secret: str
    app_key: str

    def __repr__(self) -> str:  # never print secrets, even by accident
        return f"CredentialSecrets(client_id={self.client_id!r}, client_secret='***', app_key='***')"


def connection_extra(
    secrets: CredentialSecrets, *, tenant_id: int, environment: str, base_url: str | None
) -> dict[str, object]:
    """The extras of a ``servicetitan`` connection, as ``ServiceTitanHook`` reads them.

    The tenant id is a number, not text: Airflow registers every text value of the extras with its log
    masker whenever a connection is read, and warns of each one shorter than 5 characters ("Skipping
    masking for a secret as it's too short"), on stdout and at the top of every task log."""
    extra: dict[str, object] = {"tenant_id": tenant_id, "environment": environment, APP_KEY_FIELD: secrets.app_key}
    if base_url:
        extra["base_url"] = base_url
    return extra


def upgrade_extra(extra: dict[str, object]) -> dict[str, object] | None:
    """``extra`` as this version stores it, or None when it already is: the app key moved from its old
    field (plain or with the old form's ``extra__servicetitan__`` prefix) to ``APP_KEY_FIELD``, and a
    tenant id stored as text made a number (see ``connection_extra``)."""
    upgraded = dict(extra)
    tenant_id = upgraded.get("tenant_id")
    if isinstance(tenant_id, str) and tenant_id.strip().isdigit():
        upgraded["tenant_id"] = int(tenant_id)
    for old in (LEGACY_APP_KEY_FIELD, f"extra__{SERVICETITAN_CONN_TYPE}__{LEGACY_APP_KEY_FIELD}"):
        value = upgraded.pop(old, None)
        if value and not upgraded.get(APP_KEY_FIELD):
            upgraded[APP_KEY_FIELD] = value
    return upgraded if upgraded != extra else None


class SecretStoreError(RuntimeError):
    """The secrets could not be stored safely."""


class SecretStore(Protocol):
    def exists(self, conn_id: str) -> bool: ...

    def save(
        self,
        conn_id: str,
        *,
        description: str,
        secrets: CredentialSecrets,
        tenant_id: int,
        environment: str,
        base_url: str | None,
    ) -> None: ...

    def delete(self, conn_id: str) -> bool: ...


class AirflowConnectionSecretStore:
    """Stores secrets as Airflow connections in the metadata database (command-line use)."""

    def exists(self, conn_id: str) -> bool:
        from airflow.models.connection import Connection
        from airflow.utils.session import create_session

        with create_session() as session:
            if session.query(Connection.id).filter(Connection.conn_id == conn_id).first():
                return True
        # Also defined elsewhere (environment variable, secrets backend)?
        try:
            Connection.get_connection_from_secrets(conn_id)
        except Exception:
            return False
        return True

    def save(
        self,
        conn_id: str,
        *,
        description: str,
        secrets: CredentialSecrets,
        tenant_id: int,
        environment: str,
        base_url: str | None,
    ) -> None:
        from airflow.models.connection import Connection
        from airflow.utils.session import create_session

        extra = connection_extra(secrets, tenant_id=tenant_id, environment=environment, base_url=base_url)
        conn = Connection(
            conn_id=conn_id,
            conn_type=SERVICETITAN_CONN_TYPE,
            description=description,
            login=secrets.client_id,
            extra=json.dumps(extra),
        )
        # Set after construction: Connection(password=...) also registers the secret with this process's log
        # masker, which recompiles one pattern of every secret registered so far, so a process onboarding
        # thousands of credentials spent O(n) per credential (160 ms at the 5,000th). Nothing here logs it.
        conn.password = secrets.client_secret
        if not (conn.is_encrypted and conn.is_extra_encrypted):
            raise SecretStoreError(
                "Airflow has no Fernet key, so secrets would be stored in plain text: "
                "set AIRFLOW__CORE__FERNET_KEY (or [core] fernet_key) and try again"
            )
        with create_session() as session:
            session.add(conn)

    def delete(self, conn_id: str) -> bool:
        from airflow.models.connection import Connection
        from airflow.utils.session import create_session

        with create_session() as session:
            deleted = session.query(Connection).filter(Connection.conn_id == conn_id).delete()
        return bool(deleted)

    def upgrade_connections(self) -> list[str]:
        """Rewrite the ``servicetitan`` connections of the metadata database stored by an earlier version
        (see ``upgrade_extra``); return their ids. Secrets backends and environment variables are not
        written to: their owners rename the field there."""
        from airflow.models.connection import Connection
        from airflow.utils.session import create_session

        upgraded = []
        with create_session() as session:
            for conn in session.query(Connection).filter(Connection.conn_type == SERVICETITAN_CONN_TYPE):
                extra = upgrade_extra(conn.extra_dejson)
                if extra is not None:
                    conn.set_extra(json.dumps(extra))
                    upgraded.append(conn.conn_id)
        return sorted(upgraded)
