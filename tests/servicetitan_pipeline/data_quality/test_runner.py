"""Validation of what a sync loaded: exact scores on a known fixture, chunking, the ledger, metrics."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicetitan_pipeline.data_quality.locations import data_docs_dir
from servicetitan_pipeline.data_quality.runner import DataQualityValidationError, validate_pending_syncs
from servicetitan_pipeline.data_quality.validation import GreatExpectationsProject
from servicetitan_pipeline.db.engine import psycopg_conninfo
from tests.factories import make_credential, make_sync_log
from tests.sync_world import RecordingMetrics

CLEAN_INVOICE = {
    "syncStatus": "Posted",
    "subTotal": "100.00",
    "salesTax": "8.25",
    "total": "108.25",
    "balance": "0.00",
    "invoiceDate": "2026-10-01T00:00:00Z",
    "dueDate": "2026-10-31T00:00:00Z",
}


def _customer(session: Session, credential_id: uuid.UUID, customer_id: int, **raw: Any) -> None:
    record = {
        "id": customer_id,
        "name": "Jane Doe",
        "type": "Residential",
        "address": {"street": "1 Main St", "city": "Austin", "state": "TX", "zip": "78701"},
        **raw,
    }
    address = record["address"]
    session.execute(
        sa.text(
            "INSERT INTO servicetitan_customers (credential_id, id, name, customer_type, active, city, state, zip,"
            " modified_on, raw) VALUES (:credential, :id, :name, :type, true, :city, :state, :zip, now(), :raw)"
        ),
        {
            "credential": credential_id,
            "id": customer_id,
            "name": record["name"],
            "type": record["type"],
            "city": address["city"],
            "state": address["state"],
            "zip": address["zip"],
            "raw": json.dumps(record),
        },
    )


def _invoice(session: Session, credential_id: uuid.UUID, invoice_id: int, customer_id: int | None, **raw: Any) -> None:
    record = {"id": invoice_id, **CLEAN_INVOICE, **raw}

    def money(key: str) -> Decimal | None:
        # As the upsert stores it: numeric(14,2), rounding sub-cent strings.
        value = record.get(key)
        return None if value is None else Decimal(value).quantize(Decimal("0.01"))

    session.execute(
        sa.text(
            "INSERT INTO servicetitan_invoices (credential_id, id, customer_id, active, invoice_date, due_date,"
            " sub_total, sales_tax, total, balance, created_on, modified_on, raw)"
            " VALUES (:credential, :id, :customer, true, :invoice_date, :due_date, :sub_total, :sales_tax, :total,"
            " :balance, now(), now(), :raw)"
        ),
        {
            "credential": credential_id,
            "id": invoice_id,
            "customer": customer_id,
            "invoice_date": record.get("invoiceDate"),
            "due_date": record.get("dueDate"),
            "sub_total": money("subTotal"),
            "sales_tax": money("salesTax"),
            "total": money("total"),
            "balance": money("balance"),
            "raw": json.dumps(record),
        },
    )


def _ledger(session: Session, sync_log_id: uuid.UUID, resource: str, ids: list[int]) -> None:
    for record_id in ids:
        session.execute(
            sa.text(
                "INSERT INTO servicetitan_sync_loaded_records (sync_log_id, resource, record_id)"
                " VALUES (:sync, :resource, :id)"
            ),
            {"sync": sync_log_id, "resource": resource, "id": record_id},
        )


@pytest.fixture
def known_invoice_sync(session: Session) -> uuid.UUID:
    """20 invoices loaded by one sync: 14 clean, 6 with one known fault each (one of them received twice)."""
    credential = make_credential(company_name="Known Fixture")
    sync_log = make_sync_log(credential, data_type="invoices", status="completed")
    session.add_all([credential, sync_log])
    session.flush()
    for customer_id in (1, 2):
        _customer(session, credential.id, customer_id)
    for invoice_id in range(1, 15):
        _invoice(session, credential.id, invoice_id, customer_id=1 + invoice_id % 2)
    _invoice(session, credential.id, 15, customer_id=1, syncStatus="Archived")
    _invoice(session, credential.id, 16, customer_id=1, balance="12.505")
    _invoice(session, credential.id, 17, customer_id=1, total="109.25")  # a dollar more than subtotal + tax
    _invoice(session, credential.id, 18, customer_id=1, dueDate="2026-09-28T00:00:00Z")
    _invoice(session, credential.id, 19, customer_id=404)  # no such customer
    _invoice(session, credential.id, 20, customer_id=2, invoiceDate=None)
    # Invoice 7 arrived twice in this sync: both copies fail uniqueness, so 21 received, 8 invalid.
    _ledger(session, sync_log.id, "invoices", [*range(1, 21), 7])
    session.commit()
    return sync_log.id


def _result(engine: Engine, sync_log_id: uuid.UUID, data_type: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT * FROM servicetitan_data_quality_results WHERE sync_log_id = :id AND data_type = :type"),
            {"id": sync_log_id, "type": data_type},
        ).one()


def test_scores_are_exact_on_a_known_fixture(
    clean_db: Engine, known_invoice_sync: uuid.UUID, gx_project: GreatExpectationsProject
) -> None:
    metrics = RecordingMetrics()
    (report,) = validate_pending_syncs(engine=clean_db, metrics_backend=metrics, project=gx_project)
    assert (report.total_records, report.valid_records, report.invalid_records) == (21, 13, 8)
    assert report.score == Decimal("61.90")  # 13 / 21 = 61.904...: rounded down
    row = _result(clean_db, known_invoice_sync, "invoices")
    assert (row.total_records, row.valid_records, row.invalid_records, row.score) == (21, 13, 8, Decimal("61.90"))
    failed = {outcome["description"]: outcome for outcome in row.expectation_results if not outcome["success"]}
    assert {name: (o["unexpected_count"], sorted(o["sample_ids"])) for name, o in failed.items()} == {
        "No invoice id arrives twice in one sync of a tenant": (2, [7, 7]),
        "Accounting sync status is Pending, Posted or Exported": (1, [15]),
        "Balance parses as dollars and cents": (1, [16]),
        "Total equals subtotal plus sales tax within a cent": (1, [17]),
        "Due date is not before the invoice date": (1, [18]),
        "The invoice's customer exists in this tenant's customers": (1, [19]),
        "Every invoice has an invoice date": (1, [20]),
    }
    assert all(outcome["element_count"] == 21 for outcome in row.expectation_results)
    assert row.field_completeness == {"customer_id": 100.0, "invoice_date": 95.24, "due_date": 100.0, "total": 100.0}
    gauges = {name: value for kind, name, value, _ in metrics.sent if kind == "gauge"}
    assert gauges == {
        "servicetitan.data_quality.total_records": 21,
        "servicetitan.data_quality.valid_records": 13,
        "servicetitan.data_quality.invalid_records": 8,
        "servicetitan.data_quality.score": 61.9,
    }
    assert {tags["data_type"] for *_, tags in metrics.sent} == {"invoices"}
    # Data docs: the validation's own page exists in the site, next to the index.
    assert row.data_docs_page
    assert (data_docs_dir() / row.data_docs_page).is_file()
    assert (data_docs_dir() / "index.html").is_file()
    # ... and works offline: its scripts and styles are the vendored copies, not CDN links.
    page = (data_docs_dir() / row.data_docs_page).read_text()
    assert "static/vendor/jquery-3.7.1/jquery.min.js" in page
    assert "cdn.jsdelivr.net" not in page
    assert "code.jquery.com" not in (data_docs_dir() / "index.html").read_text()


def test_a_validated_sync_is_not_validated_again(
    clean_db: Engine, known_invoice_sync: uuid.UUID, gx_project: GreatExpectationsProject
) -> None:
    validate_pending_syncs(engine=clean_db, metrics_backend=RecordingMetrics(), project=gx_project)
    with clean_db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM servicetitan_sync_loaded_records")).scalar_one() == 0
    assert validate_pending_syncs(engine=clean_db, metrics_backend=RecordingMetrics(), project=gx_project) == []
    with clean_db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM servicetitan_data_quality_results")).scalar_one() == 1


@pytest.mark.parametrize("chunk_rows", [1, 3, 7])
def test_chunks_add_up_to_the_same_verdict(
    clean_db: Engine, known_invoice_sync: uuid.UUID, gx_project: GreatExpectationsProject, chunk_rows: int
) -> None:
    # Chunk boundaries never split the two copies of invoice 7: uniqueness is judged over the whole sync.
    (report,) = validate_pending_syncs(
        engine=clean_db, metrics_backend=RecordingMetrics(), project=gx_project, chunk_rows=chunk_rows, build_docs=False
    )
    assert (report.total_records, report.invalid_records, report.score) == (21, 8, Decimal("61.90"))
    unique = next(o for o in report.outcomes if o.expectation == "expect_column_values_to_be_unique")
    assert (unique.success, unique.unexpected_count) == (False, 2)


def test_the_customer_is_judged_only_once_the_tenant_has_customers(
    session: Session, clean_db: Engine, gx_project: GreatExpectationsProject
) -> None:
    # An invoices-only first sync, before any customers: not 0 %, since no customer could have been found.
    credential = make_credential(company_name="Invoices First")
    first = make_sync_log(credential, data_type="invoices", status="completed")
    session.add_all([credential, first])
    session.flush()
    for invoice_id in (1, 2):
        _invoice(session, credential.id, invoice_id, customer_id=7)
    _ledger(session, first.id, "invoices", [1, 2])
    session.commit()
    (report,) = validate_pending_syncs(engine=clean_db, metrics_backend=RecordingMetrics(), project=gx_project)
    assert (report.score, report.failing()) == (Decimal("100.00"), [])
    # Once the tenant's customers are loaded, an invoice naming none of them is caught.
    later = make_sync_log(credential, data_type="invoices", status="completed")
    session.add(later)
    session.flush()
    _customer(session, credential.id, 8)
    _ledger(session, later.id, "invoices", [1, 2])
    session.commit()
    (report,) = validate_pending_syncs(engine=clean_db, metrics_backend=RecordingMetrics(), project=gx_project)
    assert [outcome.description for outcome in report.failing()] == [
        "The invoice's customer exists in this tenant's customers"
    ]
    assert report.invalid_records == 2


def test_customers_blank_text_counts_as_missing(
    session: Session, clean_db: Engine, gx_project: GreatExpectationsProject
) -> None:
    credential = make_credential(company_name="Blank Names")
    sync_log = make_sync_log(credential, data_type="customers")
    session.add_all([credential, sync_log])
    session.flush()
    _customer(session, credential.id, 1)
    _customer(session, credential.id, 2, name="  ")
    _customer(session, credential.id, 3, type="Industrial")
    _customer(session, credential.id, 4, address={"street": "", "city": "", "state": "TX", "zip": ""})
    _ledger(session, sync_log.id, "customers", [1, 2, 3, 4])
    session.commit()
    (report,) = validate_pending_syncs(engine=clean_db, metrics_backend=RecordingMetrics(), project=gx_project)
    assert (report.total_records, report.invalid_records, report.score) == (4, 3, Decimal("25.00"))
    failing = {o.column: o.sample_ids for o in report.failing()}
    assert failing == {"name": [2], "customer_type": [3], "street": [4], "city": [4], "zip": [4]}
    assert report.completeness() == {"name": 75.0, "street": 75.0, "city": 75.0, "state": 100.0, "zip": 75.0}


def test_running_syncs_wait_and_failed_ones_are_validated(
    session: Session, clean_db: Engine, gx_project: GreatExpectationsProject
) -> None:
    credential = make_credential(company_name="Mixed States")
    running = make_sync_log(credential, data_type="customers", status="running", completed_at=None)
    failed = make_sync_log(credential, data_type="customers", status="failed")
    session.add_all([credential, running, failed])
    session.flush()
    _customer(session, credential.id, 1)
    _ledger(session, running.id, "customers", [1])
    _ledger(session, failed.id, "customers", [1])
    session.commit()
    reports = validate_pending_syncs(engine=clean_db, metrics_backend=RecordingMetrics(), project=gx_project)
    assert [report.sync_log_id for report in reports] == [failed.id]


def test_a_validation_that_breaks_keeps_the_records_queued(
    clean_db: Engine,
    known_invoice_sync: uuid.UUID,
    gx_project: GreatExpectationsProject,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(gx_project, "validate", broken)
    with pytest.raises(DataQualityValidationError, match=r"Known Fixture .* invoices .*next run validates them again"):
        validate_pending_syncs(engine=clean_db, metrics_backend=RecordingMetrics(), project=gx_project)
    with clean_db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM servicetitan_sync_loaded_records")).scalar_one() == 21
        assert conn.execute(sa.text("SELECT count(*) FROM servicetitan_data_quality_results")).scalar_one() == 0


def test_old_validation_pages_are_pruned(tmp_path: Any) -> None:
    import os
    import time

    from servicetitan_pipeline.data_quality.locations import data_docs_dir as site_of

    project = GreatExpectationsProject.__new__(GreatExpectationsProject)  # prune needs only the folders
    project.root = tmp_path
    old_result = tmp_path / "gx/uncommitted/validations/servicetitan_invoices/old-run/20260101T000000Z/b.json"
    old_page = site_of(tmp_path) / "validations/servicetitan_invoices/old-run/20260101T000000Z/b.html"
    new_result = tmp_path / "gx/uncommitted/validations/servicetitan_invoices/new-run/20261122T000000Z/b.json"
    for path in (old_result, old_page, new_result):
        path.parent.mkdir(parents=True)
        path.write_text("{}")
    forty_days_ago = time.time() - 40 * 86_400
    for path in (old_result, old_page):
        os.utime(path, (forty_days_ago, forty_days_ago))
    assert project.prune(30) == 1
    assert not old_result.exists()
    assert not old_page.exists()
    assert not old_page.parent.parent.exists()  # the emptied run folder went too
    assert new_result.exists()


def test_an_overlapping_run_keeps_the_first_runs_full_result(
    clean_db: Engine,
    known_invoice_sync: uuid.UUID,
    gx_project: GreatExpectationsProject,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two runs read the same list of syncs awaiting validation; the second takes the lock only after the
    first has validated the sync and released it, as with two DAG runs 20 s apart."""
    from servicetitan_pipeline.data_quality import runner

    real_claim = runner._claim
    first: list[Any] = []

    def claim_after_the_other_run(conn: Any, batch: Any, rows: Any) -> Any:
        monkeypatch.setattr(runner, "_claim", real_claim)
        first.extend(validate_pending_syncs(engine=clean_db, metrics_backend=RecordingMetrics(), project=gx_project))
        return real_claim(conn, batch, rows)

    monkeypatch.setattr(runner, "_claim", claim_after_the_other_run)
    with caplog.at_level("INFO", logger="servicetitan_pipeline.data_quality"):
        second = validate_pending_syncs(engine=clean_db, metrics_backend=RecordingMetrics(), project=gx_project)
    assert [report.total_records for report in first] == [21]
    assert second == []
    assert "Known Fixture (integration, tenant" in caplog.text
    assert f"invoices: another run already validated sync {known_invoice_sync}; skipped" in caplog.text
    row = _result(clean_db, known_invoice_sync, "invoices")
    assert (row.total_records, row.invalid_records, row.score) == (21, 8, Decimal("61.90"))
    assert row.data_docs_page


def test_a_stored_result_is_never_replaced_by_an_emptier_one(
    clean_db: Engine, known_invoice_sync: uuid.UUID, gx_project: GreatExpectationsProject
) -> None:
    import psycopg

    from servicetitan_pipeline.data_quality.batches import INVOICE_BATCH
    from servicetitan_pipeline.data_quality.report import QualityReport
    from servicetitan_pipeline.sql_files import load_sql

    validate_pending_syncs(engine=clean_db, metrics_backend=RecordingMetrics(), project=gx_project)
    stored = _result(clean_db, known_invoice_sync, "invoices")
    empty = QualityReport(known_invoice_sync, stored.credential_id, "Known Fixture", INVOICE_BATCH)
    conninfo = psycopg_conninfo(clean_db)
    with psycopg.connect(conninfo) as conn:
        conn.execute(
            load_sql("data_quality/upsert_data_quality_result"), {**empty.as_row(), "validated_at": stored.validated_at}
        )
    row = _result(clean_db, known_invoice_sync, "invoices")
    assert (row.total_records, row.score, row.data_docs_page) == (21, Decimal("61.90"), stored.data_docs_page)


def test_a_validation_of_no_records_has_nothing_to_score(
    session: Session, clean_db: Engine, gx_project: GreatExpectationsProject
) -> None:
    # The ledger names customers that are no longer in the table: nothing is left to validate.
    credential = make_credential(company_name="Nothing Left")
    sync_log = make_sync_log(credential, data_type="customers")
    session.add_all([credential, sync_log])
    session.flush()
    _ledger(session, sync_log.id, "customers", [41, 42])
    session.commit()
    metrics = RecordingMetrics()
    (report,) = validate_pending_syncs(engine=clean_db, metrics_backend=metrics, project=gx_project)
    assert (report.total_records, report.score) == (0, None)
    assert report.summary()["score"] is None
    row = _result(clean_db, sync_log.id, "customers")
    assert (row.total_records, row.valid_records, row.score) == (0, 0, None)
    # No data point rather than a perfect one.
    assert "servicetitan.data_quality.score" not in {name for _kind, name, _value, _tags in metrics.sent}


def _tenant_with_faults(session: Session, company: str, faults: bool) -> uuid.UUID:
    """Invoices 1..6 of one tenant (the same ids in every tenant), loaded by one sync; with faults, invoice 3
    arrives twice and invoice 5 has an unknown status."""
    credential = make_credential(company_name=company)
    sync_log = make_sync_log(credential, data_type="invoices", status="completed")
    session.add_all([credential, sync_log])
    session.flush()
    _customer(session, credential.id, 1)
    for invoice_id in range(1, 7):
        status = "Archived" if faults and invoice_id == 5 else "Posted"
        _invoice(session, credential.id, invoice_id, customer_id=1, syncStatus=status)
    _ledger(session, sync_log.id, "invoices", [*range(1, 7), *([3] if faults else [])])
    return sync_log.id


def _comparable(report: Any) -> dict[str, Any]:
    row = report.as_row()
    del row["validation_seconds"], row["data_docs_page"]
    row["expectation_results"] = row["expectation_results"].obj
    row["field_completeness"] = row["field_completeness"].obj
    return row


def test_syncs_sharing_a_suite_run_get_the_verdicts_they_get_alone(
    session: Session, clean_db: Engine, gx_project: GreatExpectationsProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three tenants with the same invoice ids, one with a duplicate and a bad status: validated in one suite
    run, each gets exactly the report it gets when validated alone (ids repeat across tenants, not within)."""
    syncs = [_tenant_with_faults(session, name, faults=name == "Faulty") for name in ("Clean A", "Faulty", "Clean B")]
    session.commit()
    runs: list[int] = []
    real_validate = gx_project.validate

    def counted(batch: Any, frame: Any, **kwargs: Any) -> Any:
        runs.append(len(frame))
        return real_validate(batch, frame, **kwargs)

    monkeypatch.setattr(gx_project, "validate", counted)
    together = validate_pending_syncs(engine=clean_db, metrics_backend=RecordingMetrics(), project=gx_project)
    assert runs == [19]  # one suite run for the three syncs' 6 + 7 + 6 rows
    by_sync = {report.sync_log_id: report for report in together}
    assert [(by_sync[s].total_records, by_sync[s].invalid_records) for s in syncs] == [(6, 0), (7, 3), (6, 0)]
    faulty = by_sync[syncs[1]]
    assert {o.description: (o.unexpected_count, o.sample_ids) for o in faulty.failing()} == {
        "No invoice id arrives twice in one sync of a tenant": (2, [3, 3]),
        "Accounting sync status is Pending, Posted or Exported": (1, [5]),
    }
    # The same syncs again, one suite run each.
    with clean_db.begin() as conn:
        conn.execute(sa.text("DELETE FROM servicetitan_data_quality_results"))
    session.execute(sa.text("SELECT 1"))
    for sync_log_id in syncs:
        count = 7 if sync_log_id == syncs[1] else 6
        ids = [*range(1, 7), *([3] if count == 7 else [])]
        _ledger(session, sync_log_id, "invoices", ids)
    session.commit()
    runs.clear()
    alone = validate_pending_syncs(
        engine=clean_db, metrics_backend=RecordingMetrics(), project=gx_project, max_syncs_per_group=1
    )
    assert sorted(runs) == [6, 6, 7]
    assert {r.sync_log_id: _comparable(r) for r in alone} == {s: _comparable(r) for s, r in by_sync.items()}


def test_a_suite_with_an_aggregate_expectation_validates_one_sync_at_a_time(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A column's mean is judged over the whole chunk: shared by several syncs, it would judge none of them.
    from servicetitan_pipeline.data_quality import validation

    def suite_with_a_mean(name: str) -> dict[str, Any]:
        return {
            "name": name,
            "expectations": [
                {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "id"}, "description": "id"},
                {
                    "type": "expect_column_mean_to_be_between",
                    "kwargs": {"column": "total", "min_value": 0, "max_value": 1000},
                    "description": "mean total",
                },
            ],
        }

    monkeypatch.setattr(validation, "load_suite_definition", suite_with_a_mean)
    project = GreatExpectationsProject(tmp_path)
    assert project.judges_rows("servicetitan_invoices") is False


def test_the_projects_suites_judge_rows(gx_project: GreatExpectationsProject) -> None:
    assert gx_project.judges_rows("servicetitan_customers")
    assert gx_project.judges_rows("servicetitan_invoices")


def test_the_data_docs_name_the_records_with_failing_values(
    clean_db: Engine, known_invoice_sync: uuid.UUID, gx_project: GreatExpectationsProject
) -> None:
    import re

    validate_pending_syncs(engine=clean_db, metrics_backend=RecordingMetrics(), project=gx_project)
    row = _result(clean_db, known_invoice_sync, "invoices")
    page = (data_docs_dir() / row.data_docs_page).read_text()
    cells = [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)]
    # The unknown status and the record that holds it, as GX's table of unexpected values with their ids.
    assert any(cell.split() == ["Archived", "1", "15"] for cell in cells), [c for c in cells if "Archived" in c]


def test_a_sync_validated_in_chunks_keeps_every_chunks_page(
    clean_db: Engine, known_invoice_sync: uuid.UUID, gx_project: GreatExpectationsProject
) -> None:
    # Each chunk is a suite run of its own: its page must not overwrite the page of the chunk before.
    (report,) = validate_pending_syncs(
        engine=clean_db, metrics_backend=RecordingMetrics(), project=gx_project, chunk_rows=7, build_docs=True
    )
    assert report.data_docs_page is not None
    site = data_docs_dir()
    run_name = report.data_docs_page.split("/")[2]  # validations/<suite>/<run name>/<run time>/<batch>.html
    pages = sorted(p.relative_to(site).as_posix() for p in (site / "validations").rglob(f"{run_name}*/*/*.html"))
    assert len(pages) == 3, pages  # 21 rows in chunks of about 7
    assert report.data_docs_page == next(p for p in pages if "-part-" not in p)  # the first chunk's


def test_the_data_docs_send_no_one_to_gx_tutorials(
    clean_db: Engine, known_invoice_sync: uuid.UUID, gx_project: GreatExpectationsProject
) -> None:
    # GX's "how to" buttons link its website: unreachable where the pipeline runs, and not what operators need.
    validate_pending_syncs(engine=clean_db, metrics_backend=RecordingMetrics(), project=gx_project, build_docs=True)
    index = (data_docs_dir() / "index.html").read_text()
    assert "ge-walkthrough" not in index
    assert "greatexpectations.io/docs/guides" not in index
