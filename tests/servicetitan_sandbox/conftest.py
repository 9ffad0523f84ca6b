"""Sandbox servers for the tests: started on a free port, stopped when the test ends."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from servicetitan_sandbox import SandboxConfig, SandboxServer
from tests.servicetitan_sandbox.session import TenantSession, config, tenant

StartSandbox = Callable[..., SandboxServer]


@pytest.fixture
def start_sandbox() -> Iterator[StartSandbox]:
    """``start_sandbox(config=None)`` -> a running SandboxServer (default: one small healthy tenant)."""
    servers: list[SandboxServer] = []

    def start(sandbox_config: SandboxConfig | None = None) -> SandboxServer:
        server = SandboxServer(sandbox_config or config()).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def sandbox(start_sandbox: StartSandbox) -> SandboxServer:
    return start_sandbox()


@pytest.fixture(scope="module")
def read_only_sandbox() -> Iterator[SandboxServer]:
    """One server for a module whose tests only read (a server takes ~0.2 s to stop); its rate limit is
    out of their way."""
    with SandboxServer(config(tenant(), rate_limit_per_second=100_000)) as server:
        yield server


@pytest.fixture
def session(sandbox: SandboxServer) -> Iterator[TenantSession]:
    client = TenantSession(sandbox.base_url)
    yield client
    client.close()
