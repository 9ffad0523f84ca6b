"""A benchmark's world: the bench databases, a sandbox tenant of a given size and a credential for it.

The client is built straight from the sandbox's credentials (no Airflow connection): the benchmarks
measure the pipeline, not the metadata database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from servicetitan_pipeline.db.engine import get_engine, session_scope
from servicetitan_pipeline.db.models import ServiceTitanCredential
from servicetitan_pipeline.servicetitan.client import CallReport, Credentials, ServiceTitanClient
from servicetitan_sandbox import SandboxServer
from servicetitan_sandbox.config import parse_config


class NullMetrics:
    def incr(self, stat: str, count: int = 1, *, tags: dict[str, Any]) -> None: ...
    def gauge(self, stat: str, value: float, *, tags: dict[str, Any]) -> None: ...
    def timing(self, stat: str, milliseconds: float, *, tags: dict[str, Any]) -> None: ...


def prepare_bench_environment() -> Engine:
    from servicetitan_devtools.database import empty_project_tables
    from servicetitan_devtools.dev_environment import DevEnvironment

    DevEnvironment("bench").prepare()
    engine = get_engine()
    empty_project_tables(engine)
    return engine


@dataclass
class BenchTenant:
    server: SandboxServer
    credential: ServiceTitanCredential
    secrets: Credentials

    def make_client(self) -> Callable[[ServiceTitanCredential, Callable[[CallReport], None]], ServiceTitanClient]:
        def make(_: ServiceTitanCredential, on_call: Callable[[CallReport], None]) -> ServiceTitanClient:
            return ServiceTitanClient(self.secrets, on_call=on_call)

        return make


def create_credential(engine: Engine, tenant_id: int) -> ServiceTitanCredential:
    """A credential row for a sandbox tenant (no Airflow connection: benchmarks build clients directly)."""
    credential = ServiceTitanCredential(
        id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        company_name=f"Bench {tenant_id}",
        environment="integration",
        tenant_id=tenant_id,
        airflow_conn_id=f"bench_{tenant_id}",
    )
    with session_scope(engine) as session:
        session.add(credential)
        session.flush()
        session.expunge(credential)
    return credential


def start_tenant(
    engine: Engine, *, tenant_id: int, customers: int, invoices: int, page_size: int, **faults: Any
) -> BenchTenant:
    config = {
        "export_page_size": page_size,
        "rate_limit_per_second": 1000,
        "tenants": [
            {
                "tenant_id": tenant_id,
                "client_id": f"bench-{tenant_id}",
                "client_secret": f"bench-secret-{tenant_id}",
                "app_key": "bench-app-key",
                "customers": customers,
                "invoices": invoices,
                **({"faults": faults} if faults else {}),
            }
        ],
    }
    server = SandboxServer(parse_config(config)).start()
    credential = create_credential(engine, tenant_id)
    secrets = Credentials(
        tenant_id=tenant_id,
        environment="integration",
        client_id=f"bench-{tenant_id}",
        client_secret=f"bench-secret-{tenant_id}",
        app_key="bench-app-key",
        base_url=server.base_url,
    )
    return BenchTenant(server=server, credential=credential, secrets=secrets)
