"""Each expectation catches the fault it names on a sandbox tenant seeded with that fault, and only that
one: the sandbox's summary says which records it spoiled, and how."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from servicetitan_pipeline.data_quality.runner import validate_pending_syncs
from servicetitan_pipeline.data_quality.validation import GreatExpectationsProject
from tests.sync_world import RecordingMetrics, SyncWorld, tenant

# (collection, fault kind) -> the descriptions of the expectations that must catch it (expectations/*.json).
CAUGHT_BY = {
    ("customers", "duplicate_id"): ["No customer id arrives twice in one sync of a tenant"],
    ("customers", "unknown_type"): ["Customer type is Residential or Commercial"],
    ("customers", "blank_name"): ["Every customer has a name"],
    ("customers", "missing_address"): [
        "Every customer has a street address",
        "Every customer has a city",
        "Every customer has a zip code",
    ],
    ("invoices", "duplicate_id"): ["No invoice id arrives twice in one sync of a tenant"],
    ("invoices", "unknown_sync_status"): ["Accounting sync status is Pending, Posted or Exported"],
    ("invoices", "sub_cent_money"): ["Balance parses as dollars and cents"],
    ("invoices", "total_mismatch"): ["Total equals subtotal plus sales tax within a cent"],
    ("invoices", "due_before_invoice"): ["Due date is not before the invoice date"],
    ("invoices", "unknown_customer"): ["The invoice's customer exists in this tenant's customers"],
    ("invoices", "missing_invoice_date"): ["Every invoice has an invoice date"],
}


@pytest.mark.parametrize(("collection", "kind"), list(CAUGHT_BY), ids=lambda value: str(value))
def test_each_expectation_catches_its_fault(
    make_world: Callable[..., SyncWorld], gx_project: GreatExpectationsProject, collection: str, kind: str
) -> None:
    world = make_world(tenant(1001, faults={"quality_fault_rate": 0.08, "quality_fault_kinds": [kind]}))
    world.sync(1001, "both")
    reports = {
        report.batch.data_type: report
        for report in validate_pending_syncs(
            engine=world.engine, metrics_backend=RecordingMetrics(), project=gx_project
        )
    }
    seeded = [r for r in world.summary(1001)["quality_faults"][collection]["records"] if r["kind"] == kind]
    assert seeded, "the sandbox seeded none of this fault: raise the rate"
    seeded_ids = {record["id"] for record in seeded}
    # A repeated id is received twice: both copies are invalid.
    copies = 2 if kind == "duplicate_id" else 1
    report = reports[collection]
    failing = {outcome.description: outcome for outcome in report.failing()}
    assert set(failing) == set(CAUGHT_BY[(collection, kind)])
    for outcome in failing.values():
        assert outcome.unexpected_count == copies * len(seeded)
        assert set(outcome.sample_ids) <= seeded_ids
    assert report.invalid_records == copies * len(seeded)
    # The other data type of the same tenant is clean (duplicate ids are seeded in both).
    if kind != "duplicate_id":
        other = reports["invoices" if collection == "customers" else "customers"]
        assert (other.failing(), other.score) == ([], Decimal("100.00"))


def test_clean_tenant_passes_every_expectation(
    make_world: Callable[..., SyncWorld], gx_project: GreatExpectationsProject
) -> None:
    world = make_world(tenant(1001))
    world.sync(1001, "both")
    reports = validate_pending_syncs(engine=world.engine, metrics_backend=RecordingMetrics(), project=gx_project)
    assert {report.batch.data_type: (report.score, report.failing()) for report in reports} == {
        "customers": (Decimal("100.00"), []),
        "invoices": (Decimal("100.00"), []),
    }
    summary = world.summary(1001)
    assert [r.total_records for r in reports] == [summary["customers"], summary["invoices"]]
