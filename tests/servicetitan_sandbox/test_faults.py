"""Each fault of a tenant's profile, over real HTTP."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.contract.openapi_contract import schema_errors
from tests.servicetitan_sandbox.conftest import StartSandbox
from tests.servicetitan_sandbox.session import TenantSession, config, tenant


def statuses(session: TenantSession, calls: int) -> list[int | str]:
    seen: list[int | str] = []
    for _ in range(calls):
        try:
            seen.append(session.get("invoices", pageSize=5).status_code)
        except httpx.TransportError as exc:
            seen.append(type(exc).__name__)
    return seen


def test_error_rate_one_answers_every_call_500_or_503(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(faults={"error_rate": 1.0})))
    session = TenantSession(server.base_url)
    responses = [session.get("customers") for _ in range(20)]
    assert {r.status_code for r in responses} == {500, 503}
    assert all(r.json()["status"] == r.status_code and r.json()["title"] for r in responses)


def test_error_rate_fails_about_that_share_of_calls(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(faults={"error_rate": 0.3})))
    seen = statuses(TenantSession(server.base_url), 60)
    failed = sum(1 for status in seen if status in (500, 503))
    assert 8 <= failed <= 30
    assert seen.count(200) == 60 - failed


def test_faults_are_the_same_sequence_for_the_same_seed(start_sandbox: StartSandbox) -> None:
    profile = {"error_rate": 0.3, "drop_rate": 0.2}
    runs = [
        statuses(TenantSession(start_sandbox(config(tenant(seed=42, faults=profile))).base_url), 30) for _ in range(2)
    ]
    other_seed = statuses(TenantSession(start_sandbox(config(tenant(seed=43, faults=profile))).base_url), 30)
    assert runs[0] == runs[1]
    assert runs[0] != other_seed


def test_latency_is_added_to_every_call(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(faults={"latency_ms": 300})))
    session = TenantSession(server.base_url)
    session.token()
    started = time.monotonic()
    assert session.get("customers").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_a_timeout_fault_hangs_the_call_before_answering(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(faults={"timeout_rate": 1.0, "timeout_seconds": 0.6})))
    impatient = TenantSession(server.base_url, timeout=0.2)
    with pytest.raises(httpx.ReadTimeout):
        impatient.get("customers")
    patient = TenantSession(server.base_url, timeout=5)
    started = time.monotonic()
    assert patient.get("customers").status_code == 200
    assert time.monotonic() - started >= 0.6


def test_a_dropped_connection_leaves_an_incomplete_body(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(faults={"drop_rate": 1.0})))
    session = TenantSession(server.base_url)
    with pytest.raises(httpx.RemoteProtocolError, match=r"without sending complete message body"):
        session.get("invoices", pageSize=20)


def test_faults_hit_only_their_tenant(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(1001, faults={"error_rate": 1.0}), tenant(1002)))
    assert TenantSession(server.base_url, 1001).get("customers").status_code in (500, 503)
    assert TenantSession(server.base_url, 1002).get("customers").status_code == 200


def test_bad_records_are_the_ones_the_summary_reports_on_every_call(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(customers=200, invoices=300, faults={"bad_record_rate": 0.1})))
    session = TenantSession(server.base_url)
    summary = session.summary()["bad_records"]
    for kind, spec, schema in (
        ("customers", "crm", "Crm.V2.Customers.CustomerResponse"),
        ("invoices", "accounting", "Accounting.V2.InvoiceResponse"),
    ):
        reported = summary[kind]
        first = session.list_all(kind, active="Any", activeState="All", pageSize=1000)
        again = session.list_all(kind, active="Any", activeState="All", pageSize=37)
        assert first == again  # the same records stay bad (and the same way) across calls
        assert len(first) == {"customers": 200, "invoices": 300}[kind]
        bad = [
            record
            for record in first
            if schema_errors(spec, schema, record) or record.get("total") == "12,5O"  # money strings pass the schema
        ]
        assert len(bad) == reported["count"] > 0
        assert sorted(r["id"] for r in bad if isinstance(r.get("id"), int)) == reported["ids"]
        assert sum(1 for r in bad if not isinstance(r.get("id"), int)) == reported["without_usable_id"]
        assert 0.04 * len(first) <= len(bad) <= 0.18 * len(first)
        assert set(reported["by_kind"]) == {"missing_id", "id_not_integer", "bad_timestamp", "bad_money"}
    assert summary["count"] == summary["customers"]["count"] + summary["invoices"]["count"]


def test_bad_records_break_the_record_in_the_documented_ways(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(customers=400, faults={"bad_record_rate": 0.2})))
    customers = TenantSession(server.base_url).list_all("customers", active="Any", pageSize=500)
    assert any("id" not in c for c in customers)
    assert any(c.get("id") == "abc" for c in customers)
    assert any(c["modifiedOn"] == "yesterday" for c in customers)
    assert any(c["balance"] == "12,5O" for c in customers)
