"""List endpoints over HTTP: paging, filters, validation, and the request log of what clients sent."""

from __future__ import annotations

import pytest

from servicetitan_sandbox import SandboxServer
from tests.servicetitan_sandbox.conftest import StartSandbox
from tests.servicetitan_sandbox.session import APP_KEY, TenantSession, config, tenant

KINDS = ["customers", "invoices"]


@pytest.mark.parametrize("kind", KINDS)
def test_default_page_is_the_first_fifty_without_total(session: TenantSession, kind: str) -> None:
    matching = session.ok(kind, includeTotal="true")["totalCount"]
    body = session.ok(kind)
    assert (body["page"], body["pageSize"], body["totalCount"]) == (1, 50, None)
    assert len(body["data"]) == min(50, matching)
    assert body["hasMore"] is (matching > 50)


@pytest.mark.parametrize("kind", KINDS)
def test_pages_walk_through_everything_and_total_count_agrees(session: TenantSession, kind: str) -> None:
    everything = {"customers": {"active": "Any"}, "invoices": {"activeState": "All"}}[kind]
    body = session.ok(kind, pageSize=7, includeTotal="true", **everything)
    records = session.list_all(kind, pageSize=7, **everything)
    assert body["totalCount"] == len(records) == session.summary()[kind]
    assert len({record["id"] for record in records}) == len(records)


@pytest.mark.parametrize("page_size", ["0", "5001", "-3", "ten"])
def test_page_size_out_of_range_is_a_400_naming_it(session: TenantSession, page_size: str) -> None:
    response = session.get("customers", pageSize=page_size)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert list(body["errors"]) == ["pageSize"]
    assert body["errors"]["pageSize"]


@pytest.fixture(scope="module")
def sandbox(read_only_sandbox: SandboxServer) -> SandboxServer:
    return read_only_sandbox


def test_page_size_of_5000_is_allowed(session: TenantSession) -> None:
    assert session.get("invoices", pageSize=5000).status_code == 200


def test_customers_are_active_only_by_default(session: TenantSession) -> None:
    summary = session.summary()
    active = session.ok("customers", includeTotal="true")
    inactive = session.ok("customers", includeTotal="true", active="False")
    anything = session.ok("customers", includeTotal="true", active="any")  # enum values bind case-insensitively
    assert active["totalCount"] == summary["active_customers"]
    assert all(record["active"] for record in active["data"])
    assert not any(record["active"] for record in inactive["data"])
    assert anything["totalCount"] == summary["customers"] == active["totalCount"] + inactive["totalCount"]
    assert session.get("customers", active="Maybe").status_code == 400


def test_invoices_are_all_by_default_and_active_state_filters(session: TenantSession) -> None:
    summary = session.summary()
    assert session.ok("invoices", includeTotal="true")["totalCount"] == summary["invoices"]
    active_only = session.ok("invoices", includeTotal="true", activeState="ActiveOnly")
    assert active_only["totalCount"] == summary["active_invoices"]
    inactive_only = session.ok("invoices", includeTotal="true", activeState="InactiveOnly", pageSize=500)
    assert inactive_only["totalCount"] == summary["invoices"] - summary["active_invoices"]
    assert not any(record["active"] for record in inactive_only["data"])


def test_modified_and_created_filters_bound_the_records(session: TenantSession) -> None:
    everything = session.list_all("invoices", pageSize=500)
    modified = sorted(record["modifiedOn"] for record in everything)
    low, high = modified[20], modified[80]
    window = session.list_all("invoices", modifiedOnOrAfter=low, modifiedBefore=high, pageSize=500)
    assert {r["id"] for r in window} == {r["id"] for r in everything if low <= r["modifiedOn"] < high}
    created = sorted(record["createdOn"] for record in everything)[50]
    since = session.list_all("invoices", createdOnOrAfter=created, pageSize=500)
    assert {r["id"] for r in since} == {r["id"] for r in everything if r["createdOn"] >= created}
    before = session.list_all("invoices", createdBefore=created, pageSize=500)
    assert len(before) + len(since) == len(everything)
    response = session.get("invoices", modifiedOnOrAfter="last tuesday")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["modifiedOnOrAfter"]


EVERYTHING = {"customers": {"active": "Any"}, "invoices": {"activeState": "All"}}


@pytest.mark.parametrize("kind", KINDS)
def test_sort_orders_by_id_created_or_modified_either_way(start_sandbox: StartSandbox, kind: str) -> None:
    session = TenantSession(start_sandbox(config(tenant(), rate_limit_per_second=100_000)).base_url)
    # Changed records: modification order is no longer creation order.
    session.advance(new_customers=5, new_invoices=10, modified_customers=15, modified_invoices=40)
    everything = EVERYTHING[kind]
    by_id = [record["id"] for record in session.list_all(kind, pageSize=500, **everything)]
    newest = session.ok(kind, sort="-Id", pageSize=5, **everything)
    assert [record["id"] for record in newest["data"]] == by_id[::-1][:5]
    assert newest["hasMore"] is True
    for field, key in (("Id", "id"), ("CreatedOn", "createdOn"), ("ModifiedOn", "modifiedOn")):
        for spelled, descending in (
            (f"+{field}", False),
            (field, False),
            (f"-{field}", True),
            (f"-{field.lower()}", True),
        ):
            records = session.ok(kind, sort=spelled, pageSize=500, **everything)["data"]
            values = [record[key] for record in records]
            assert values == sorted(values, reverse=descending), spelled
            assert sorted(record["id"] for record in records) == by_id
    by_modification = [
        record["id"] for record in session.ok(kind, sort="ModifiedOn", pageSize=500, **everything)["data"]
    ]
    assert by_modification != by_id
    paged = [record["id"] for record in session.list_all(kind, sort="-ModifiedOn", pageSize=7, **everything)]
    assert paged == by_modification[::-1]
    session.close()


@pytest.mark.parametrize("sort", ["Name", "-Total", "-", "Id,ModifiedOn"])
def test_an_unsupported_sort_is_a_400_naming_the_fields(session: TenantSession, sort: str) -> None:
    response = session.get("invoices", sort=sort)
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["title"]) == (400, "One or more validation errors occurred.")
    [message] = body["errors"]["sort"]
    assert message.startswith(f"The value '{sort}' is not valid")
    assert "Id, ModifiedOn, CreatedOn" in message


def test_unknown_parameters_are_ignored_but_logged(sandbox: SandboxServer, session: TenantSession) -> None:
    session.token()
    session.http.delete("/sandbox/requests")
    assert session.get("customers", pageSize=3, sort="-Id", madeUp="1").status_code == 200
    [entry] = session.http.get("/sandbox/requests").json()["requests"]
    assert entry["method"] == "GET"
    assert entry["path"] == "/crm/v2/tenant/1001/customers"
    assert entry["query"] == [["pageSize", "3"], ["sort", "-Id"], ["madeUp", "1"]]
    assert entry["tenant"] == 1001
    assert entry["status"] == 200
    assert {"authorization", "st-app-key"} <= set(entry["headers"])


def test_the_request_log_never_holds_secrets(session: TenantSession) -> None:
    session.http.delete("/sandbox/requests")
    token = session.token()
    session.http.get(
        "/crm/v2/tenant/1001/customers",
        params={"servicetitanapplicationkey": APP_KEY},
        headers={"Authorization": f"Bearer {token}"},
    )
    log = session.http.get("/sandbox/requests").text
    assert token not in log
    assert APP_KEY not in log
    assert "secret-1001" not in log
    token_entry, api_entry = session.http.get("/sandbox/requests").json()["requests"]
    assert token_entry["path"] == "/connect/token"
    assert token_entry["form_fields"] == ["client_id", "client_secret", "grant_type"]
    assert api_entry["query"] == [["servicetitanapplicationkey", "[redacted]"]]


def test_the_request_log_can_be_filtered_and_cleared(session: TenantSession) -> None:
    session.get("customers")
    assert session.http.get("/sandbox/requests", params={"tenant": 1001}).json()["requests"]
    assert session.http.get("/sandbox/requests", params={"tenant": 9}).json()["requests"] == []
    assert session.http.delete("/sandbox/requests").status_code == 204
    assert session.http.get("/sandbox/requests").json()["requests"] == []
