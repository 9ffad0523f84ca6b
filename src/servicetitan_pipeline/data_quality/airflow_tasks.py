"""The body of servicetitan_sync's data-quality task: the DAG's task makes exactly this one call."""

from __future__ import annotations

from typing import Any

from servicetitan_pipeline.data_quality.report import QualityReport
from servicetitan_pipeline.data_quality.runner import validate_pending_syncs

# Reports listed by name in the XCom; a run of thousands of tenants is summed up, not listed.
LISTED_REPORTS = 20


def validate_loaded_data() -> dict[str, Any]:
    """Validate every finished sync's loaded records. The XCom holds totals and the lowest scores (names and
    numbers, never a record), bounded whatever the number of tenants."""
    return summarize(validate_pending_syncs())


def summarize(reports: list[QualityReport]) -> dict[str, Any]:
    scored = sorted((r for r in reports if r.score is not None), key=lambda r: (r.score, r.label))
    return {
        "validated": len(reports),
        "records": sum(r.total_records for r in reports),
        "invalid_records": sum(r.invalid_records for r in reports),
        "nothing_to_score": sum(r.score is None for r in reports),
        "lowest_scores": [r.summary() for r in scored[:LISTED_REPORTS]],
    }
