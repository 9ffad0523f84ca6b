"""Export endpoints: continueFrom tokens, resume after changes, dates, and each record once."""

from __future__ import annotations

import itertools

import msgspec
import pytest

from servicetitan_sandbox import SandboxServer
from servicetitan_sandbox.dataset import TenantDataset
from servicetitan_sandbox.export_feed import export_page
from servicetitan_sandbox.timestamps import parse_query_datetime
from tests.servicetitan_sandbox.conftest import StartSandbox
from tests.servicetitan_sandbox.session import TenantSession, config, tenant

KINDS = ["customers", "invoices"]


@pytest.fixture
def small_pages(start_sandbox: StartSandbox) -> SandboxServer:
    return start_sandbox(config(tenant(customers=60, invoices=150), export_page_size=25))


@pytest.fixture
def session(small_pages: SandboxServer) -> TenantSession:
    return TenantSession(small_pages.base_url)


@pytest.mark.parametrize("kind", KINDS)
def test_full_export_returns_every_record_once_active_or_not(session: TenantSession, kind: str) -> None:
    records, _ = session.export_all(kind)
    ids = [record["id"] for record in records]
    assert len(ids) == len(set(ids)) == session.summary()[kind]
    assert any(not record["active"] for record in records)  # inactive (and merged) records are exported too


@pytest.mark.parametrize("kind", KINDS)
def test_pages_hold_the_configured_size_until_the_last(session: TenantSession, kind: str) -> None:
    first = session.ok(f"export_{kind}")
    assert len(first["data"]) == 25
    assert first["hasMore"] is True
    assert first["continueFrom"]


@pytest.mark.parametrize("kind", KINDS)
def test_resuming_a_stored_token_after_an_advance_returns_exactly_the_changes(
    session: TenantSession, kind: str
) -> None:
    before, stored_token = session.export_all(kind)
    latest_before = {record["id"]: record for record in before}
    session.advance(new_customers=4, new_invoices=6, modified_customers=7, modified_invoices=9)
    changes, _ = session.export_all(kind, start=stored_token)
    new_count, modified_count = {"customers": (4, 7), "invoices": (6, 9)}[kind]
    changed_ids = [record["id"] for record in changes]
    assert len(changed_ids) == len(set(changed_ids)) == new_count + modified_count
    modified = [record for record in changes if record["id"] in latest_before]
    assert len(modified) == modified_count
    assert all(record["modifiedOn"] > latest_before[record["id"]]["modifiedOn"] for record in modified)
    # A full export now: each record once, at its latest version.
    after, _ = session.export_all(kind)
    latest = {record["id"]: record for record in after}
    assert len(after) == len(latest) == len(before) + new_count
    assert all(latest[record["id"]] == record for record in changes)


def test_an_exhausted_token_returns_nothing_until_data_changes(session: TenantSession) -> None:
    _, token = session.export_all("customers")
    again = session.ok("export_customers", **{"from": token})
    assert again == {"hasMore": False, "continueFrom": token, "data": []}


def test_export_from_a_date_starts_at_records_modified_on_or_after_it(session: TenantSession) -> None:
    everything, _ = session.export_all("invoices")
    cut = sorted(record["modifiedOn"] for record in everything)[100]
    since, _ = session.export_all("invoices", start=cut)
    expected = {record["id"] for record in everything if record["modifiedOn"] >= cut}
    assert {record["id"] for record in since} == expected
    day, _ = session.export_all("invoices", start=cut[:10])  # "2020-01-01" style
    assert {record["id"] for record in day} >= expected


def test_pages_are_mostly_but_not_strictly_in_modification_order(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(customers=400), export_page_size=400))
    records = TenantSession(server.base_url).ok("export_customers")["data"]
    times = [parse_query_datetime(record["modifiedOn"]) for record in records]
    out_of_order = sum(1 for earlier, later in itertools.pairwise(times) if earlier > later)
    assert 0 < out_of_order < len(times) * 0.2


@pytest.mark.parametrize("bad_from", ["yesterday", "not-a-token", "2026-13-45"])
def test_a_bad_from_is_a_400_naming_the_parameter(session: TenantSession, bad_from: str) -> None:
    response = session.get("export_customers", **{"from": bad_from})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["from"]


def test_a_token_is_bound_to_its_tenant_and_export(start_sandbox: StartSandbox) -> None:
    server = start_sandbox(config(tenant(1001), tenant(1002)))
    first, second = TenantSession(server.base_url, 1001), TenantSession(server.base_url, 1002)
    customers_token = first.ok("export_customers")["continueFrom"]
    assert first.get("export_invoices", **{"from": customers_token}).status_code == 400
    assert second.get("export_customers", **{"from": customers_token}).status_code == 400
    assert first.get("export_customers", **{"from": customers_token + "x"}).status_code == 400


def test_include_recent_changes_is_accepted(session: TenantSession) -> None:
    assert session.get("export_invoices", includeRecentChanges="true").status_code == 200
    assert session.get("export_invoices", includeRecentChanges="perhaps").status_code == 400


def test_a_page_put_together_from_its_records_is_what_encoding_the_whole_page_writes() -> None:
    """Records are encoded one by one (export_feed.ExportPage.json): the body must be the bytes msgspec
    writes for the page as one object, bad and faulty records included."""
    faults = {"bad_record_rate": 0.1, "quality_fault_rate": 0.2}
    dataset = TenantDataset(config(tenant(customers=200, invoices=300, faults=faults)).tenants[0])
    for name in KINDS:
        collection, tokens = dataset.collection(name), dataset.export_tokens[name]
        page = export_page(collection, tokens, collection.timeline.feed_start(), 150)
        body = page.json()
        decoded = msgspec.json.decode(body)
        assert msgspec.json.encode(decoded) == body
        assert list(decoded) == ["hasMore", "continueFrom", "data"]
        assert (decoded["hasMore"], decoded["continueFrom"]) == (page.has_more, page.continue_from)
        rendered = [collection.render(index) for index in range(150)]  # generation 0: page 1 is records 0-149
        assert sorted(map(msgspec.json.encode, decoded["data"])) == sorted(map(msgspec.json.encode, rendered))
