"""Fixture `make_world`: a sandbox with onboarded credentials, on the test databases, for sync tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from servicetitan_pipeline.credentials import management
from servicetitan_pipeline.credentials.secret_store import AirflowConnectionSecretStore
from servicetitan_pipeline.db.engine import session_scope
from servicetitan_pipeline.db.models import ServiceTitanCredential
from servicetitan_pipeline.servicetitan import auth, circuit_breaker, rate_limiter
from servicetitan_pipeline.servicetitan.client import CallReport, ClientSettings, ServiceTitanClient
from servicetitan_pipeline.servicetitan.hook import ServiceTitanHook
from servicetitan_pipeline.servicetitan.retry import RetryPolicy
from servicetitan_pipeline.sync.runner import SyncOutcome, run_sync
from servicetitan_pipeline.sync.targets import SyncTarget
from servicetitan_sandbox import SandboxServer
from servicetitan_sandbox.config import parse_config

APP_KEY = "sync-test-app-key"
FAST = ClientSettings(retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02), read_timeout_seconds=2)


def tenant(tenant_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "client_id": f"client-{tenant_id}",
        "client_secret": f"secret-{tenant_id}",
        "app_key": APP_KEY,
        "customers": 80,
        "invoices": 300,
        **overrides,
    }


class RecordingMetrics:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, float, dict[str, Any]]] = []

    def incr(self, stat: str, count: int = 1, *, tags: dict[str, Any]) -> None:
        self.sent.append(("incr", stat, count, tags))

    def gauge(self, stat: str, value: float, *, tags: dict[str, Any]) -> None:
        self.sent.append(("gauge", stat, value, tags))

    def timing(self, stat: str, milliseconds: float, *, tags: dict[str, Any]) -> None:
        self.sent.append(("timing", stat, milliseconds, tags))

    def names(self) -> set[str]:
        return {name for _, name, _, _ in self.sent}


def fast_client(credential: ServiceTitanCredential, on_call: Callable[[CallReport], None]) -> ServiceTitanClient:
    return ServiceTitanHook(credential.airflow_conn_id, settings=FAST, on_call=on_call).client


@dataclass
class SyncWorld:
    server: SandboxServer
    engine: Engine
    credentials: dict[int, ServiceTitanCredential]
    metrics: RecordingMetrics

    def target(self, tenant_id: int, data_type: str = "both", **kwargs: Any) -> SyncTarget:
        credential = self.credentials[tenant_id]
        values: dict[str, Any] = {
            "credential_id": str(credential.id),
            "label": credential.label,
            "data_type": data_type,
            "sync_type": "scheduled",
            "full_refresh": False,
        }
        values.update(kwargs)
        return SyncTarget(**values)

    def sync(
        self, tenant_id: int, data_type: str = "both", make_client: Callable[..., Any] | None = None, **kwargs: Any
    ) -> SyncOutcome:
        return run_sync(
            self.target(tenant_id, data_type, **kwargs),
            engine=self.engine,
            make_client=make_client or fast_client,
            metrics_backend=self.metrics,
        )

    def summary(self, tenant_id: int) -> dict[str, Any]:
        return httpx.get(f"{self.server.base_url}/sandbox/tenants/{tenant_id}/summary").json()  # type: ignore[no-any-return]

    def advance(self, tenant_id: int, **change: int) -> None:
        httpx.post(f"{self.server.base_url}/sandbox/tenants/{tenant_id}/advance", json=change).raise_for_status()

    def count(self, table: str, tenant_id: int) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    sa.text(f"SELECT count(*) FROM {table} WHERE credential_id = :id"),
                    {"id": self.credentials[tenant_id].id},
                ).scalar_one()
            )

    def logs(self, tenant_id: int) -> list[Any]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.text("SELECT * FROM servicetitan_sync_logs WHERE credential_id = :id ORDER BY started_at"),
                    {"id": self.credentials[tenant_id].id},
                )
            )

    def credential(self, tenant_id: int) -> ServiceTitanCredential:
        with session_scope(self.engine) as session:
            found = session.get(ServiceTitanCredential, self.credentials[tenant_id].id)
            assert found is not None
            session.expunge(found)
            return found


@pytest.fixture
def make_world(clean_db: Engine, airflow_connections: None) -> Iterator[Callable[..., SyncWorld]]:
    servers: list[SandboxServer] = []

    def make(*tenants: dict[str, Any], **top_level: Any) -> SyncWorld:
        auth.reset_token_providers()
        circuit_breaker.reset_breakers()
        rate_limiter.reset_limiters()
        top_level.setdefault("export_page_size", 100)
        server = SandboxServer(parse_config({"tenants": list(tenants), **top_level})).start()
        servers.append(server)
        credentials = {}
        store = AirflowConnectionSecretStore()
        for config in tenants:
            tenant_id = config["tenant_id"]
            new = management.NewCredential(
                company_name=f"Company {tenant_id}",
                environment="integration",
                tenant_id=str(tenant_id),
                client_id=config["client_id"],
                client_secret=config["client_secret"],
                app_key=APP_KEY,
                base_url=server.base_url,
            )
            with session_scope(clean_db) as session:
                credential = management.onboard(session, new, store)
            credentials[tenant_id] = credential
        return SyncWorld(server, clean_db, credentials, RecordingMetrics())

    yield make
    for server in servers:
        server.stop()
