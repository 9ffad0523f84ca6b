"""Each expectation catches the fault it names on a sandbox tenant seeded with that fault, and only that
one: the sandbox's summary says which records it spoiled, and how."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from servicetitan_pipeline.data_quality.runner import validate_pending_syncs
from servicetitan_pipeline.data_quality.validation import GreatExpectationsProject
from tests.sync_world import RecordingMetrics, SyncWorld, tenant

EXPECTATIONS_DIR = Path(__file__).resolve().parents[3] / "expectations"

# (collection, fault kind) -> the descriptions of the expectations that must catch it (expectations/*.json).
CAUGHT_BY = {
    ("customers", "duplicate_id"): ["No customer id arrives twice in one sync of a tenant"],
    ("customers", "unknown_type"): ["Customer type is Residential or Commercial"],
    ("customers", "blank_name"): ["Every customer has a name"],
    ("customers", "missing_address"): [
        "Every customer has a street address",
        "Every customer has a city",
        "Every customer has a state",
        "Every customer has a zip code",
    ],
    ("invoices", "duplicate_id"): ["No invoice id arrives twice in one sync of a tenant"],
    ("invoices", "unknown_sync_status"): ["Accounting sync status is Pending, Posted or Exported"],
    ("invoices", "sub_cent_money"): [
        "Subtotal parses as dollars and cents",
        "Sales tax parses as dollars and cents",
        "Total parses as dollars and cents",
        "Balance parses as dollars and cents",
    ],
    ("invoices", "total_mismatch"): ["Total equals subtotal plus sales tax within a cent"],
    ("invoices", "due_before_invoice"): ["Due date is not before the invoice date"],
    ("invoices", "unknown_customer"): ["The invoice's customer exists in this tenant's customers"],
    ("invoices", "missing_customer"): ["Every invoice names its customer"],
    ("invoices", "missing_invoice_date"): ["Every invoice has an invoice date"],
    ("invoices", "missing_due_date"): ["Every invoice has a due date"],
    ("invoices", "missing_total"): ["Every invoice has a total"],
}
# No loaded record can fail these: a record without an id breaks the record model, so it is a bad record
# (counted and described in the sync log, never loaded). They guard the SQL that feeds the suites.
GUARDED_BEFORE_LOADING = {"Every customer has an id", "Every invoice has an id"}


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


def test_every_expectation_is_caught_by_a_seeded_fault_or_guarded_before_loading() -> None:
    descriptions = {
        expectation["description"]
        for suite in sorted(EXPECTATIONS_DIR.glob("*.json"))
        for expectation in json.loads(suite.read_text())["expectations"]
    }
    caught = {description for names in CAUGHT_BY.values() for description in names}
    assert descriptions == caught | GUARDED_BEFORE_LOADING
    assert not caught & GUARDED_BEFORE_LOADING


@pytest.mark.parametrize("collection", ["customers", "invoices"])
def test_a_record_without_an_id_is_a_bad_record_not_a_loaded_one(
    make_world: Callable[..., SyncWorld], collection: str
) -> None:
    world = make_world(tenant(1001, faults={"bad_record_rate": 0.2}))
    world.sync(1001, "both")
    bad = world.summary(1001)["bad_records"][collection]
    assert bad["without_usable_id"] > 0, "the sandbox seeded no record without an id: raise the rate"
    assert world.count(f"servicetitan_{collection}", 1001) == world.summary(1001)[collection] - bad["count"]
    assert sum(log.records_failed for log in world.logs(1001)) == sum(
        world.summary(1001)["bad_records"][kind]["count"] for kind in ("customers", "invoices")
    )
