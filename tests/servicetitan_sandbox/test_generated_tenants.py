"""Generated tenants: many alike tenants declared once, built on first use, found without a scan."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from servicetitan_sandbox import ConfigError, SandboxServer, parse_config
from tests.servicetitan_sandbox.session import token_request

CONSOLE_SCRIPT = Path(sys.executable).parent / "servicetitan"


def generated(**overrides: Any) -> dict[str, Any]:
    return {
        "count": 5000,
        "first_tenant_id": 100_001,
        "client_id": "gen-{tenant_id}",
        "client_secret": "gen-secret-{tenant_id}",
        "app_key": "gen-app-key",
        "customers": 50,
        "invoices": 50,
        "faults": {"latency_ms": 100},
        **overrides,
    }


def problems_of(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, source="test.yaml")
    return caught.value.problems


def test_each_generated_tenant_gets_its_credentials_sizes_and_faults_from_the_block() -> None:
    config = parse_config({"generated_tenants": generated()})
    assert config.tenant_count == 5000
    last = config.tenant(105_000)
    assert last is not None
    assert last.client_id == "gen-105000"
    assert last.client_secret.get_secret_value() == "gen-secret-105000"
    assert last.app_key.get_secret_value() == "gen-app-key"
    assert (last.customers, last.invoices, last.faults.latency_ms) == (50, 50, 100)
    assert config.tenant(100_000) is None
    assert config.tenant(105_001) is None
    ids = list(config.tenant_ids())
    assert (ids[0], ids[-1], len(ids)) == (100_001, 105_000, 5000)


def test_listed_and_generated_tenants_live_side_by_side() -> None:
    listed = {"tenant_id": 7, "client_id": "seven", "client_secret": "s", "app_key": "k"}
    config = parse_config({"tenants": [listed], "generated_tenants": generated(count=3)})
    assert list(config.tenant_ids()) == [7, 100_001, 100_002, 100_003]
    assert config.tenant_for_client("seven") is config.tenant(7)
    found = config.tenant_for_client("gen-100002")
    assert found is not None
    assert found.tenant_id == 100_002


@pytest.mark.parametrize(
    "client_id", ["gen-100000", "gen-105001", "gen-0100001", "gen-", "gen-12a", "other-100001", "gen-100001x"]
)
def test_a_client_id_outside_the_block_finds_no_tenant(client_id: str) -> None:
    assert parse_config({"generated_tenants": generated()}).tenant_for_client(client_id) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"generated_tenants": generated(client_id="gen")}, "exactly once"),
        ({"generated_tenants": generated(count=0)}, "generated_tenants.count"),
        ({"generated_tenants": generated(client_secret="")}, "generated_tenants.client_secret"),
        ({"generated_tenants": generated(customers=0)}, "customers must be at least 1"),
        ({"generated_tenants": generated(faults={"latency_ms": -1})}, "generated_tenants.faults.latency_ms"),
        (
            {
                "tenants": [{"tenant_id": 100_005, "client_id": "x", "client_secret": "s", "app_key": "k"}],
                "generated_tenants": generated(),
            },
            "clash with generated_tenants",
        ),
        (
            {
                "tenants": [{"tenant_id": 9, "client_id": "gen-100003", "client_secret": "s", "app_key": "k"}],
                "generated_tenants": generated(),
            },
            "clash with generated_tenants",
        ),
        ({}, "give at least one tenant"),
    ],
)
def test_bad_generated_blocks_say_what_is_wrong(raw: dict[str, Any], expected: str) -> None:
    problems = problems_of(raw)
    assert any(expected in problem for problem in problems), problems


def test_secret_patterns_never_appear_in_reprs() -> None:
    config = parse_config({"generated_tenants": generated(client_secret="t0p-{tenant_id}", app_key="k3y")})
    assert "t0p-" not in repr(config)
    assert "k3y" not in repr(config)
    assert "t0p-" not in repr(config.tenant(100_001))


def test_a_huge_block_loads_at_once_and_finds_any_tenant_without_a_scan() -> None:
    started = time.perf_counter()
    config = parse_config({"generated_tenants": generated(count=10_000_000)})
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(1000):
        found = config.tenant_for_client("gen-10100000")  # the last one
    per_lookup = (time.perf_counter() - started) / 1000
    assert found is not None
    assert found.tenant_id == 10_100_000
    # Ten million tenants cost nothing to declare; a lookup builds one tenant (tens of microseconds), where
    # a scan of the block would take seconds.
    assert loaded < 0.5, loaded
    assert per_lookup < 0.005, per_lookup


def test_the_server_builds_only_the_tenants_that_are_used() -> None:
    config = parse_config({"generated_tenants": generated(faults={}), "rate_limit_per_second": 10_000})
    with SandboxServer(config) as server:
        token = token_request(server.base_url, "gen-104321", "gen-secret-104321")
        assert token.status_code == 200, token.text
        wrong = token_request(server.base_url, "gen-104321", "gen-secret-104322")
        assert wrong.json() == {"error": "invalid_client"}
        page = httpx.get(
            f"{server.base_url}/crm/v2/tenant/104321/export/customers",
            headers={"Authorization": f"Bearer {token.json()['access_token']}", "ST-App-Key": "gen-app-key"},
            timeout=10,
        )
        assert page.status_code == 200, page.text
        assert len(page.json()["data"]) == 50
        missing = httpx.get(f"{server.base_url}/sandbox/tenants/99/summary", timeout=10)
        assert missing.status_code == 404
        assert server.state.datasets.built_count() == 1


def test_the_command_starts_5000_generated_tenants(tmp_path: Path) -> None:
    # Their data is built on first use (the test above), not at start; speed is the benchmarks' to measure.
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump({"generated_tenants": generated(customers=50, invoices=50)}))
    process = subprocess.Popen(
        [str(CONSOLE_SCRIPT), "sandbox", "--port", "0", "--config", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        tenants = process.stdout.readline()
        assert banner.startswith("ServiceTitan sandbox at http://127.0.0.1:")
        assert tenants.strip() == "tenants: 5000 generated (100001..105000)"
        # The banner comes before uvicorn takes over Ctrl-C: a SIGINT sent sooner can be lost on a busy machine.
        base_url = banner.split(" at ")[1].split()[0]
        httpx.get(f"{base_url}/sandbox/health", timeout=60).raise_for_status()
    finally:
        process.send_signal(signal.SIGINT)
        output, errors = process.communicate(timeout=120)  # a busy machine stops it slowly
    assert "gen-secret" not in banner + tenants + output + errors
