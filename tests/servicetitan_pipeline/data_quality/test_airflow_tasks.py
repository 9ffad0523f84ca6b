"""The validation task's XCom: totals and the lowest scores, bounded whatever the number of tenants."""

from __future__ import annotations

import uuid

from servicetitan_pipeline.data_quality.airflow_tasks import LISTED_REPORTS, summarize
from servicetitan_pipeline.data_quality.batches import INVOICE_BATCH
from servicetitan_pipeline.data_quality.report import QualityReport


def _report(label: str, total: int, invalid: int) -> QualityReport:
    return QualityReport(uuid.uuid4(), uuid.uuid4(), label, INVOICE_BATCH, total_records=total, invalid_records=invalid)


def test_totals_and_the_lowest_scores_first() -> None:
    reports = [_report("Good", 100, 0), _report("Bad", 100, 40), _report("Empty", 0, 0), _report("Meh", 100, 5)]
    summary = summarize(reports)
    assert {k: v for k, v in summary.items() if k != "lowest_scores"} == {
        "validated": 4,
        "records": 300,
        "invalid_records": 45,
        "nothing_to_score": 1,
    }
    # Nothing to score is counted, never listed as a score.
    assert [(s["credential"], s["score"]) for s in summary["lowest_scores"]] == [
        ("Bad", 60.0),
        ("Meh", 95.0),
        ("Good", 100.0),
    ]


def test_thousands_of_reports_list_a_bounded_few() -> None:
    summary = summarize([_report(f"Tenant {n}", 100, n % 7) for n in range(5000)])
    assert summary["validated"] == 5000
    assert len(summary["lowest_scores"]) == LISTED_REPORTS
    assert {s["score"] for s in summary["lowest_scores"]} == {94.0}
