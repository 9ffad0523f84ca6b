"""Airflow hook for ServiceTitan: connection identity as class attributes, the client built lazily,
secrets read only from the Airflow connection (and registered with Airflow's log masker)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, Self, TypeVar, overload

from airflow.sdk import BaseHook

from servicetitan_pipeline.airflow_connections import get_airflow_connection, running_in_task
from servicetitan_pipeline.credentials.secret_store import APP_KEY_FIELD, LEGACY_APP_KEY_FIELD
from servicetitan_pipeline.servicetitan.client import (
    CallReport,
    ClientSettings,
    Credentials,
    ServiceTitanClient,
    shared_http_client,
)
from servicetitan_pipeline.servicetitan.errors import ServiceTitanError
from servicetitan_pipeline.servicetitan.hosts import Environment

_T = TypeVar("_T")


class ConnectionConfigError(ValueError):
    """The Airflow connection lacks something the client needs; the message says what to fill in."""


class cached_property(functools.cached_property[_T]):  # noqa: N801 - named as functools names it
    """``functools.cached_property`` without Python 3.11's lock, which is one per property shared by every
    instance: the threads of a batch building their tenants' hooks waited for each other's connection reads
    (Python 3.12 dropped the lock). Two threads never share a hook, so nothing is computed twice."""

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...

    def __get__(self, instance: object, owner: type | None = None) -> _T | Self:
        if instance is None:
            return self
        cache, name = instance.__dict__, str(self.attrname)
        if name not in cache:
            cache[name] = self.func(instance)
        return cache[name]  # type: ignore[no-any-return]


class ServiceTitanHook(BaseHook):
    conn_name_attr = "servicetitan_conn_id"
    default_conn_name = "servicetitan_default"
    conn_type = "servicetitan"
    hook_name = "ServiceTitan"

    def __init__(
        self,
        servicetitan_conn_id: str = default_conn_name,
        settings: ClientSettings | None = None,
        on_call: Callable[[CallReport], None] | None = None,
    ) -> None:
        super().__init__()
        self.servicetitan_conn_id = servicetitan_conn_id
        self._settings = settings
        self._on_call = on_call

    @cached_property
    def credentials(self) -> Credentials:
        return credentials_from_connection(get_airflow_connection(self.servicetitan_conn_id))

    @cached_property
    def client(self) -> ServiceTitanClient:
        settings = self._settings or ClientSettings()
        return ServiceTitanClient(self.credentials, settings, on_call=self._on_call, http=shared_http_client(settings))

    def get_conn(self) -> ServiceTitanClient:
        return self.client

    def test_connection(self) -> tuple[bool, str]:
        """The Airflow UI's Test button: ask for a token."""
        try:
            token = self.client.authenticate()
        except (ServiceTitanError, ConnectionConfigError) as exc:
            return False, str(exc)
        return True, f"Connected to {self.credentials.label}; token valid until {token.expires_at:%Y-%m-%d %H:%M} UTC"


def credentials_from_connection(conn: Any) -> Credentials:
    """Read a ``servicetitan`` connection: login = client id, password = client secret, extras =
    tenant_id, environment, app_api_key (``app_key`` in connections stored before) and an optional
    base_url (the sandbox)."""
    # Parsed here, not with `extra_dejson`: reading the connection masked it already, and in a task each mask
    # is a round trip to the task's supervisor.
    try:
        extra = json.loads(conn.extra) if conn.extra else {}
    except ValueError:
        raise ConnectionConfigError(f"Airflow connection {conn.conn_id!r}: Extra is not valid JSON") from None

    def field(name: str) -> Any:
        value = extra.get(name, extra.get(f"extra__servicetitan__{name}"))
        return value.strip() if isinstance(value, str) else value

    problems = []
    tenant = str(field("tenant_id") or "")
    if not tenant.isdigit():
        problems.append("Tenant ID (a number)")
    environment = field("environment") or Environment.PRODUCTION.value
    if environment not in {e.value for e in Environment}:
        problems.append("Environment (integration or production)")
    app_key = field(APP_KEY_FIELD) or field(LEGACY_APP_KEY_FIELD)
    if not app_key:
        problems.append("App Key")
    if not conn.login:
        problems.append("Client ID (login)")
    if not conn.password:
        problems.append("Client Secret (password)")
    if problems:
        raise ConnectionConfigError(f"Airflow connection {conn.conn_id!r} needs: {', '.join(problems)}")
    if not running_in_task():
        _mask(conn.password, app_key)
    elif not field(APP_KEY_FIELD):
        # In a task, the SDK masked the password and the app key's field (a sensitive name) on reading the
        # connection; not the legacy field's value.
        _mask(app_key)
    return Credentials(
        tenant_id=int(tenant),
        environment=environment,
        client_id=conn.login,
        client_secret=conn.password,
        app_key=app_key,
        base_url=field("base_url") or None,
        source=conn.conn_id,
    )


def _mask(*secrets: str) -> None:
    """Redact these values from every task log line from now on."""
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - always present on Airflow 3
        return
    for secret in secrets:
        mask_secret(secret)
