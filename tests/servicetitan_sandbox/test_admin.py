"""The sandbox's own endpoints under /sandbox: advance, summary, tenants, health."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from servicetitan_sandbox import SandboxServer
from tests.servicetitan_sandbox.conftest import StartSandbox
from tests.servicetitan_sandbox.session import TenantSession, config, tenant


def test_admin_endpoints_need_no_credentials(sandbox: SandboxServer) -> None:
    for path in ("/sandbox/health", "/sandbox/tenants", "/sandbox/tenants/1001/summary", "/sandbox/requests"):
        assert httpx.get(f"{sandbox.base_url}{path}").status_code == 200, path


def test_tenants_lists_ids_sizes_and_generations_but_no_credentials(sandbox: SandboxServer) -> None:
    response = httpx.get(f"{sandbox.base_url}/sandbox/tenants")
    assert response.json() == {"tenants": [{"tenant_id": 1001, "generation": 0, "customers": 40, "invoices": 120}]}
    assert "secret" not in response.text
    assert "client" not in response.text


def test_summary_counts_agree_with_the_api(session: TenantSession) -> None:
    summary = session.summary()
    assert summary["generation"] == 0
    assert summary["customers"] == 40
    assert summary["invoices"] == 120
    active = session.ok("customers", includeTotal="true")["totalCount"]
    assert summary["active_customers"] == active < summary["customers"]
    assert summary["bad_records"]["count"] == 0


def test_advance_adds_and_changes_records(session: TenantSession) -> None:
    result = session.advance(new_customers=5, new_invoices=8, modified_customers=3, modified_invoices=4)
    assert result["generation"] == 1
    assert result["customers"] == 45
    assert result["invoices"] == 128
    assert result["started_at"] <= result["ended_at"]
    summary = session.summary()
    assert (summary["generation"], summary["customers"], summary["invoices"]) == (1, 45, 128)
    changed = session.list_all("invoices", modifiedOnOrAfter=result["started_at"])
    assert len(changed) == 8 + 4


def test_changes_are_stamped_after_the_wall_clock_time_a_client_synced_at(start_sandbox: StartSandbox) -> None:
    """As on the real API: a client that remembers when its last sync started sees every later change."""
    server = start_sandbox(config(tenant(history_end="2020-01-01T00:00:00Z")))
    session = TenantSession(server.base_url)
    synced_at = datetime.now(UTC).isoformat()
    session.advance(modified_customers=6, new_customers=2)
    changed = session.list_all("customers", active="Any", modifiedOnOrAfter=synced_at)
    assert len(changed) == 8


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"new_customers": -1}, "new_customers must be a non-negative integer"),
        ({"new_customers": "3"}, "new_customers must be a non-negative integer"),
        ({"created": 3}, "unknown fields"),
        ({"modified_invoices": 121}, "only 120 exist"),
        ({"at": "2020-01-01T00:00:00Z"}, "must not be before the previous generation ended"),
        ({"at": "soon"}, "at must be a date-time"),
        ([1, 2], "JSON object"),
    ],
)
def test_advance_refuses_impossible_changes_and_changes_nothing(
    session: TenantSession, body: Any, message: str
) -> None:
    response = session.http.post("/sandbox/tenants/1001/advance", json=body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert session.summary()["generation"] == 0


def test_unknown_tenant_is_404_on_admin_endpoints(sandbox: SandboxServer) -> None:
    assert httpx.get(f"{sandbox.base_url}/sandbox/tenants/9/summary").status_code == 404
    assert httpx.post(f"{sandbox.base_url}/sandbox/tenants/9/advance", json={}).status_code == 404
