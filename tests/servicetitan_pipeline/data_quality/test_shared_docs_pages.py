"""A data-docs page several syncs share (one suite run of a group) is named after none of their tenants, and
every link to it says it is shared and which tenant to look for."""

from __future__ import annotations

import uuid

from servicetitan_pipeline.data_quality.locations import data_docs_link_text
from servicetitan_pipeline.data_quality.runner import _run_name


def _row(company: str, tenant_id: int) -> dict[str, object]:
    return {"company_name": company, "environment": "integration", "tenant_id": tenant_id, "sync_log_id": uuid.uuid4()}


def test_a_single_syncs_run_is_named_after_its_tenant() -> None:
    row = _row("Acme Plumbing", 1001)
    name = _run_name([row], "invoices")
    assert name == f"acme-plumbing-integration-tenant-1001-invoices-sync-{row['sync_log_id'].hex[:8]}"  # type: ignore[attr-defined]


def test_a_shared_run_is_named_after_its_data_type_and_size_not_a_tenant() -> None:
    rows = [_row("Acme Plumbing", 1001), _row("Bright HVAC", 1002), _row("Cool Air", 1003)]
    name = _run_name(rows, "invoices")
    assert name.startswith("invoices-shared-by-3-syncs-")
    for tenant in ("acme", "bright", "cool", "1001", "1002", "1003", "more"):
        assert tenant not in name
    assert name == _run_name(rows, "invoices")  # the same group, the same name


def test_the_link_text_says_when_a_page_is_shared_and_which_tenant_to_look_for() -> None:
    page = "validations/servicetitan_invoices/invoices-shared-by-2-syncs-ab/20261203T100000Z/x.html"
    assert data_docs_link_text("validations/one.html", 1, 1002) == "validation report"
    assert data_docs_link_text(page, 2, 1002) == "validation report shared by 2 syncs (look for tenant 1002)"
    assert data_docs_link_text(None, 0, 1002) == "data docs (this validation's page is missing)"
