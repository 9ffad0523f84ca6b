"""SandboxServer: a real HTTP server on 127.0.0.1, a free port by default, stopped cleanly."""

from __future__ import annotations

import socket

import httpx
import pytest

from servicetitan_sandbox import SandboxServer
from tests.servicetitan_sandbox.session import config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_binds_loopback_on_a_free_port_and_serves_both_hosts_paths() -> None:
    with SandboxServer(config()) as first, SandboxServer(config()) as second:
        assert first.base_url.startswith("http://127.0.0.1:")
        assert first.port != second.port
        assert httpx.get(f"{first.base_url}/sandbox/health").json() == {"status": "ok"}
        token = httpx.post(
            f"{first.base_url}/connect/token",
            data={"grant_type": "client_credentials", "client_id": "client-1001", "client_secret": "secret-1001"},
        )
        assert token.status_code == 200


def test_serves_on_a_given_port_and_frees_it_when_stopped() -> None:
    port = free_port()
    with SandboxServer(config(), port=port) as server:
        assert server.base_url == f"http://127.0.0.1:{port}"
        assert httpx.get(f"{server.base_url}/sandbox/health").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/sandbox/health")
    with SandboxServer(config(), port=port):  # the port can be used again
        pass


def test_a_busy_port_is_an_error_at_once() -> None:
    with SandboxServer(config()) as server, pytest.raises(OSError):
        SandboxServer(config(), port=server.port)


def test_each_server_has_its_own_state() -> None:
    with SandboxServer(config()) as first, SandboxServer(config()) as second:
        httpx.post(f"{first.base_url}/sandbox/tenants/1001/advance", json={"new_customers": 1})
        assert first.state.datasets[1001].generation == 1
        assert second.state.datasets[1001].generation == 0
