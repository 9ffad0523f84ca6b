"""A sync's data-quality report: the chunks' verdicts added up into one score."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from servicetitan_pipeline.data_quality.batches import QualityBatch
from servicetitan_pipeline.data_quality.validation import SAMPLE_IDS, ChunkVerdict, ExpectationOutcome

NOTHING_TO_SCORE = "nothing to score"


def format_score(score: Decimal | None) -> str:
    """A score as people read it everywhere (CLI, demo, task log): ``61.90 %``, or that there was nothing to score."""
    return NOTHING_TO_SCORE if score is None else f"{score} %"


@dataclass
class QualityReport:
    sync_log_id: uuid.UUID
    credential_id: uuid.UUID
    label: str
    batch: QualityBatch
    total_records: int = 0
    invalid_records: int = 0
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    filled: dict[str, int] = field(default_factory=dict)
    data_docs_page: str | None = None
    validation_seconds: float = 0.0

    @property
    def valid_records(self) -> int:
        return self.total_records - self.invalid_records

    @property
    def score(self) -> Decimal | None:
        """valid / total x 100, rounded down to a hundredth: a single bad record never shows as 100. None when
        no record was validated: nothing to score, neither perfect nor failing."""
        if not self.total_records:
            return None
        return (Decimal(100 * self.valid_records) / self.total_records).quantize(Decimal("0.01"), ROUND_DOWN)

    def completeness(self) -> dict[str, float]:
        return {
            name: round(100.0 * filled / self.total_records, 2) if self.total_records else 100.0
            for name, filled in self.filled.items()
        }

    def failing(self) -> list[ExpectationOutcome]:
        return sorted((o for o in self.outcomes if not o.success), key=lambda o: -o.unexpected_count)

    def add(self, verdict: ChunkVerdict) -> None:
        self.total_records += verdict.rows
        self.invalid_records += verdict.invalid_rows
        for name, filled in verdict.filled.items():
            self.filled[name] = self.filled.get(name, 0) + filled
        if not self.outcomes:
            self.outcomes = verdict.outcomes
        else:
            for total, chunk in zip(self.outcomes, verdict.outcomes, strict=True):
                total.success = total.success and chunk.success
                total.element_count += chunk.element_count
                total.unexpected_count += chunk.unexpected_count
                total.sample_ids.extend(chunk.sample_ids[: SAMPLE_IDS - len(total.sample_ids)])
        # The first chunk's page: the one a reader opens (a sync of more chunks lists them all in the index).
        self.data_docs_page = self.data_docs_page or verdict.data_docs_page

    def as_row(self) -> dict[str, Any]:
        from psycopg.types.json import Jsonb

        return {
            "sync_log_id": self.sync_log_id,
            "credential_id": self.credential_id,
            "data_type": self.batch.data_type,
            "suite_name": self.batch.suite_name,
            "total_records": self.total_records,
            "valid_records": self.valid_records,
            "invalid_records": self.invalid_records,
            "score": self.score,
            "expectation_results": Jsonb([outcome.as_dict() for outcome in self.outcomes]),
            "field_completeness": Jsonb(self.completeness()),
            "validation_seconds": round(self.validation_seconds, 3),
            "data_docs_page": self.data_docs_page,
        }

    def summary(self) -> dict[str, Any]:
        """For the task log and the XCom: numbers and names only."""
        return {
            "sync_log_id": str(self.sync_log_id),
            "credential": self.label,
            "data_type": self.batch.data_type,
            "total_records": self.total_records,
            "invalid_records": self.invalid_records,
            "score": None if self.score is None else float(self.score),
            "failing_expectations": [o.description for o in self.failing()],
            "data_docs_page": self.data_docs_page,
        }
