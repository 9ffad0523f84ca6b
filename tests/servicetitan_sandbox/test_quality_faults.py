"""Data-quality faults: well-formed records that are wrong in business terms, listed by the summary.

The records are compared with those of a twin tenant (same seed, no quality faults), so each fault is
seen to change exactly what it says and nothing else, and found again from the served data alone,
as a data-quality suite would find them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from servicetitan_pipeline.servicetitan.records import CUSTOMER, INVOICE
from servicetitan_sandbox import ConfigError, SandboxServer, parse_config
from servicetitan_sandbox.dataset import TenantDataset
from servicetitan_sandbox.quality_faults import QualityKind
from tests.servicetitan_sandbox.conftest import StartSandbox
from tests.servicetitan_sandbox.session import TenantSession, config, tenant

SIZES = {"customers": 300, "invoices": 600}
QUALITY = {"quality_fault_rate": 0.25}
CUSTOMER_KINDS = {"duplicate_id", "unknown_type", "blank_name", "missing_address"}
INVOICE_KINDS = {
    "duplicate_id",
    "unknown_sync_status",
    "sub_cent_money",
    "total_mismatch",
    "due_before_invoice",
    "unknown_customer",
    "missing_customer",
    "missing_invoice_date",
    "missing_due_date",
    "missing_total",
}
TWO_DECIMALS = re.compile(r"^-?\d+\.\d{2}$")
EVERYTHING = {"customers": {"active": "Any"}, "invoices": {"activeState": "All"}}
Records = dict[str, list[dict[str, Any]]]


def served(session: TenantSession) -> Records:
    """Every record of both kinds, from the list endpoints: ordered by id, that is by index."""
    return {kind: session.list_all(kind, pageSize=500, **EVERYTHING[kind]) for kind in ("customers", "invoices")}


def exported(session: TenantSession) -> Records:
    return {kind: session.export_all(kind)[0] for kind in ("customers", "invoices")}


def faults_found(records: Records, by_index: bool = True) -> dict[str, list[tuple[int, str]]]:
    """(id, kind) of each fault a data-quality suite would find in the records, in their order; a
    record with more than one fault fails the test (each faulty record has exactly one). A repeated
    id is reported at its second occurrence: in index order (``by_index``), the duplicate_id record."""
    customer_ids = {customer["id"] for customer in records["customers"]}
    found: dict[str, list[tuple[int, str]]] = {"customers": [], "invoices": []}
    for kind, records_of_kind in records.items():
        seen: set[int] = set()
        for record in records_of_kind:
            checks = customer_checks(record) if kind == "customers" else invoice_checks(record, customer_ids)
            kinds = [name for name, failed in checks.items() if failed]
            assert len(kinds) <= 1, (kinds, record)
            if record["id"] in seen:
                kinds.append("duplicate_id")
                assert len(kinds) == 1 or not by_index, (kinds, record)
            seen.add(record["id"])
            found[kind] += [(record["id"], name) for name in kinds]
    return found


def customer_checks(customer: dict[str, Any]) -> dict[str, bool]:
    address = customer["address"]
    return {
        "unknown_type": customer["type"] not in ("Residential", "Commercial"),
        "blank_name": not customer["name"].strip(),
        "missing_address": not (address["street"] and address["city"] and address["state"] and address["zip"]),
    }


def invoice_checks(invoice: dict[str, Any], customer_ids: set[int]) -> dict[str, bool]:
    invoice_date, due_date, customer = invoice["invoiceDate"], invoice["dueDate"], invoice["customer"]
    money = [invoice[f] for f in ("subTotal", "salesTax", "total", "balance") if invoice[f] is not None]
    total = invoice["total"]
    return {
        "unknown_sync_status": invoice["syncStatus"] not in ("Pending", "Posted", "Exported"),
        "sub_cent_money": not all(TWO_DECIMALS.match(value) for value in money),
        "total_mismatch": total is not None
        and abs(Decimal(invoice["subTotal"]) + Decimal(invoice["salesTax"]) - Decimal(total)) > Decimal("0.01"),
        "due_before_invoice": None not in (invoice_date, due_date) and due_date < invoice_date,
        "unknown_customer": customer is not None and customer["id"] not in customer_ids,
        "missing_customer": customer is None,
        "missing_invoice_date": invoice_date is None,
        "missing_due_date": due_date is None,
        "missing_total": total is None,
    }


def reported(summary: dict[str, Any]) -> dict[str, list[tuple[int, str]]]:
    faults = summary["quality_faults"]
    return {kind: [(r["id"], r["kind"]) for r in faults[kind]["records"]] for kind in ("customers", "invoices")}


@pytest.fixture(scope="module")
def faulty() -> Iterator[TenantSession]:
    with SandboxServer(config(tenant(**SIZES, faults=QUALITY), rate_limit_per_second=100_000)) as server:
        yield TenantSession(server.base_url)


@pytest.fixture(scope="module")
def faulty_records(faulty: TenantSession) -> Records:
    return served(faulty)


@pytest.fixture(scope="module")
def clean_records() -> Records:
    with SandboxServer(config(tenant(**SIZES), rate_limit_per_second=100_000)) as server:
        return served(TenantSession(server.base_url))


def test_the_summary_lists_every_applicable_kind(faulty: TenantSession) -> None:
    faults = faulty.summary()["quality_faults"]
    assert set(faults["customers"]["by_kind"]) == CUSTOMER_KINDS
    assert set(faults["invoices"]["by_kind"]) == INVOICE_KINDS
    for kind, size in SIZES.items():
        counts = faults[kind]["by_kind"]
        assert all(count > 0 for count in counts.values()), counts
        assert faults[kind]["count"] == sum(counts.values()) == len(faults[kind]["records"])
        assert 0.15 * size <= faults[kind]["count"] <= 0.35 * size
        assert {r["kind"] for r in faults[kind]["records"]} == set(counts)
    assert faults["count"] == faults["customers"]["count"] + faults["invoices"]["count"]
    assert faulty.summary()["bad_records"]["count"] == 0


def test_the_summary_lists_exactly_the_faulty_records_of_a_list_and_of_an_export(
    faulty: TenantSession, faulty_records: Records
) -> None:
    summary = reported(faulty.summary())
    assert faults_found(faulty_records) == summary
    from_export = faults_found(exported(faulty), by_index=False)  # slightly shuffled: not in index order
    assert {kind: sorted(found) for kind, found in from_export.items()} == {
        kind: sorted(found) for kind, found in summary.items()
    }


def test_faulty_records_pass_the_clients_structural_check(faulty_records: Records) -> None:
    for kind, model in (("customers", CUSTOMER), ("invoices", INVOICE)):
        assert [model.problems(record) for record in faulty_records[kind] if model.problems(record)] == []


def test_each_fault_changes_what_it_says_and_nothing_else(
    faulty: TenantSession, faulty_records: Records, clean_records: Records
) -> None:
    summary = faulty.summary()["quality_faults"]
    customers = clean_records["customers"]
    # A reference to a duplicate_id customer names the id that customer is served with.
    moved = {
        customers[index]["id"]: customers[index - 1]["id"]
        for index, fault in fault_indices(summary["customers"]["records"], customers).items()
        if fault == "duplicate_id"
    }
    assert moved
    for kind in ("customers", "invoices"):
        faulty_by_index = fault_indices(summary[kind]["records"], clean_records[kind])
        for index, (record, clean) in enumerate(zip(faulty_records[kind], clean_records[kind], strict=True)):
            expected = follow_moved_customers(clean, moved)
            fault = faulty_by_index.get(index)
            if fault is None:
                assert record == expected
                continue
            changed = {field for field in record if record[field] != expected[field]}
            assert changed == FIELDS_OF[fault], (fault, changed)
            check_fault(fault, index, record, expected, clean_records[kind])


FIELDS_OF = {
    "duplicate_id": {"id"},
    "unknown_type": {"type"},
    "blank_name": {"name"},
    "missing_address": {"address"},
    "unknown_sync_status": {"syncStatus"},
    "sub_cent_money": {"subTotal", "salesTax", "total", "balance"},
    "total_mismatch": {"total"},
    "due_before_invoice": {"dueDate"},
    "unknown_customer": {"customer"},
    "missing_customer": {"customer"},
    "missing_invoice_date": {"invoiceDate"},
    "missing_due_date": {"dueDate"},
    "missing_total": {"total"},
}


def fault_indices(records: list[dict[str, Any]], clean: list[dict[str, Any]]) -> dict[int, str]:
    index_of = {record["id"]: index for index, record in enumerate(clean)}
    # A duplicate_id record carries the id of the record before it.
    return {index_of[r["id"]] + (r["kind"] == "duplicate_id"): r["kind"] for r in records}


def follow_moved_customers(record: dict[str, Any], moved: dict[int, int]) -> dict[str, Any]:
    copy = dict(record)
    if copy.get("mergedToId") in moved:
        copy["mergedToId"] = moved[copy["mergedToId"]]
    if "customer" in copy and copy["customer"]["id"] in moved:
        copy["customer"] = {**copy["customer"], "id": moved[copy["customer"]["id"]]}
    return copy


def check_fault(
    fault: str, index: int, record: dict[str, Any], clean: dict[str, Any], clean_all: list[dict[str, Any]]
) -> None:
    if fault == "duplicate_id":
        assert index >= 1
        assert record["id"] == clean_all[index - 1]["id"]
    elif fault == "unknown_type":
        assert record["type"] == "Industrial"
    elif fault == "blank_name":
        assert record["name"] == ""
    elif fault == "missing_address":
        blank = {"street": "", "city": "", "state": "", "zip": ""}
        assert record["address"] == {**clean["address"], **blank}
        assert record["address"]["country"]
    elif fault == "unknown_sync_status":
        assert record["syncStatus"] == "Archived"
    elif fault == "sub_cent_money":
        for money in ("subTotal", "salesTax", "total", "balance"):
            assert record[money] == clean[money] + "5"
    elif fault == "total_mismatch":
        assert Decimal(record["total"]) == Decimal(record["subTotal"]) + Decimal(record["salesTax"]) + 1
        assert TWO_DECIMALS.match(record["total"])
    elif fault == "due_before_invoice":
        due = datetime.fromisoformat(record["dueDate"])
        assert due == datetime.fromisoformat(record["invoiceDate"]) - timedelta(days=3)
        assert record["dueDate"].endswith("T00:00:00Z")
    elif fault == "unknown_customer":
        assert record["customer"] == {**clean["customer"], "id": 99_000_000 + index}
    else:
        nulled = {"missing_customer", "missing_invoice_date", "missing_due_date", "missing_total"}
        assert fault in nulled
        assert record[next(iter(FIELDS_OF[fault]))] is None


def test_the_same_seed_serves_the_same_faults(start_sandbox: StartSandbox, faulty_records: Records) -> None:
    again = TenantSession(start_sandbox(config(tenant(**SIZES, faults=QUALITY))).base_url)
    assert served(again) == faulty_records
    other_seed = TenantSession(start_sandbox(config(tenant(**SIZES, seed=5, faults=QUALITY))).base_url)
    assert reported(other_seed.summary()) != reported(again.summary())


def test_a_record_keeps_its_fault_in_every_version(start_sandbox: StartSandbox) -> None:
    session = TenantSession(start_sandbox(config(tenant(**SIZES, faults=QUALITY))).base_url)
    before = reported(session.summary())
    session.advance(
        new_customers=30, new_invoices=60, modified_customers=150, modified_invoices=300, at="2026-11-05T10:00:00Z"
    )
    after = reported(session.summary())
    records = served(session)
    assert faults_found(records) == after
    for kind in ("customers", "invoices"):
        assert after[kind][: len(before[kind])] == before[kind]
        assert len(after[kind]) > len(before[kind])  # new records can be faulty too
        assert any(record["modifiedOn"] > "2026-11-05" for record in records[kind])


def test_bad_records_win_and_the_families_never_mix() -> None:
    profile = {"bad_record_rate": 0.3, "quality_fault_rate": 0.5}
    dataset = TenantDataset(config(tenant(**SIZES, faults=profile)).tenants[0])
    for collection, model in ((dataset.customers, CUSTOMER), (dataset.invoices, INVOICE)):
        bad = {index for index, _ in collection.bad_records.among_first(collection.size)}
        quality = {index for index, _ in collection.quality_faults.among_first(collection.size)}
        assert bad
        assert quality
        assert not bad & quality
        assert 0.25 * collection.size <= len(quality) <= 0.45 * collection.size  # half of the records not bad
        for index in quality:
            assert model.problems(collection.render(index)) == []
    summary = dataset.summary()
    assert summary["bad_records"]["count"] > 0
    assert summary["quality_faults"]["count"] > 0


def test_duplicates_repeat_an_id_served_once_and_never_at_index_0() -> None:
    profile = {"quality_fault_rate": 0.5, "quality_fault_kinds": ["duplicate_id"], "bad_record_rate": 0.1}
    dataset = TenantDataset(config(tenant(**SIZES, faults=profile)).tenants[0])
    for collection in (dataset.customers, dataset.invoices):
        found = collection.quality_faults.among_first(collection.size)
        assert len(found) > 0.1 * collection.size
        assert {kind for _, kind in found} == {QualityKind.DUPLICATE_ID}
        assert found[0][0] >= 1
        served_ids = [collection.render(index).get("id") for index in range(collection.size)]
        for index, _ in found:
            assert served_ids[index] == served_ids[index - 1] == collection.id_of(index - 1)
            assert served_ids.count(served_ids[index]) == 2  # the previous record is served under its own id


def test_kinds_that_do_not_apply_to_a_collection_leave_it_clean() -> None:
    profile = {"quality_fault_rate": 0.5, "quality_fault_kinds": ["blank_name", "missing_invoice_date"]}
    summary = TenantDataset(config(tenant(**SIZES, faults=profile)).tenants[0]).summary()["quality_faults"]
    assert {r["kind"] for r in summary["customers"]["records"]} == {"blank_name"}
    assert {r["kind"] for r in summary["invoices"]["records"]} == {"missing_invoice_date"}
    assert summary["customers"]["by_kind"]["unknown_type"] == 0
    assert set(summary["invoices"]["by_kind"]) == INVOICE_KINDS


def test_rate_zero_serves_nothing_faulty(clean_records: Records) -> None:
    assert faults_found(clean_records) == {"customers": [], "invoices": []}
    summary = TenantDataset(config(tenant(**SIZES)).tenants[0]).summary()["quality_faults"]
    assert summary["count"] == 0
    assert summary["customers"] == {"count": 0, "by_kind": dict.fromkeys(CUSTOMER_KINDS, 0), "records": []}
    assert summary["invoices"] == {"count": 0, "by_kind": dict.fromkeys(INVOICE_KINDS, 0), "records": []}


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (["blank_name", "industrial_type"], "unknown quality fault kind 'industrial_type'; valid kinds: duplicate_id,"),
        ([], "tenants[0].faults.quality_fault_kinds"),
        ("blank_name", "tenants[0].faults.quality_fault_kinds"),
    ],
)
def test_quality_fault_kinds_must_be_known_names(kinds: object, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"tenants": [tenant(faults={"quality_fault_kinds": kinds})]}, source="test.yaml")
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems
    [problem] = caught.value.problems
    assert problem.startswith("test.yaml: tenants[0].faults.quality_fault_kinds:")
    if isinstance(kinds, list) and kinds:
        assert all(kind.value in problem for kind in QualityKind)  # every valid name is listed


def test_quality_faults_default_to_off_and_every_kind() -> None:
    faults = config(tenant()).tenants[0].faults
    assert faults.quality_fault_rate == 0
    assert set(faults.quality_fault_kinds) == set(QualityKind)
    with pytest.raises(ConfigError, match="quality_fault_rate"):
        parse_config({"tenants": [tenant(faults={"quality_fault_rate": 1.5})]})
