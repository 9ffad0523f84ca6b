"""The body of servicetitan_sync's data-quality task: the DAG's task makes exactly this one call."""

from __future__ import annotations

from typing import Any

from servicetitan_pipeline.data_quality.runner import validate_pending_syncs


def validate_loaded_data() -> list[dict[str, Any]]:
    """Validate every finished sync's loaded records; the XCom holds scores and names, never a record."""
    return [report.summary() for report in validate_pending_syncs()]
