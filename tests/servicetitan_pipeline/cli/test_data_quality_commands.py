from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from servicetitan_pipeline.cli.main import main
from servicetitan_pipeline.db.models import ServiceTitanDataQualityResult
from tests.factories import make_credential, make_sync_log


def test_scores_lists_the_latest_result_with_its_worst_expectations(
    session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    credential = make_credential(company_name="Scored Co", tenant_id=777001)
    sync_log = make_sync_log(credential)
    session.add_all([credential, sync_log])
    session.flush()
    failing = [
        {"description": "Total equals subtotal plus sales tax within a cent", "success": False, "unexpected_count": 3},
        {"description": "Every invoice has a due date", "success": False, "unexpected_count": 9},
        {"description": "Every invoice has an id", "success": True, "unexpected_count": 0},
    ]
    session.add(
        ServiceTitanDataQualityResult(
            sync_log_id=sync_log.id,
            credential_id=credential.id,
            data_type="invoices",
            suite_name="servicetitan_invoices",
            validated_at=datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
            total_records=100,
            valid_records=88,
            invalid_records=12,
            score=Decimal("88.00"),
            expectation_results=failing,
            field_completeness={"due_date": 91.0},
            validation_seconds=0.5,
        )
    )
    session.commit()
    assert main(["data-quality", "scores"]) == 0
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if "Scored Co" in line]
    assert "88.00 %" in line
    assert "12 / 100" in line
    assert "Every invoice has a due date; Total equals subtotal plus sales tax within a cent" in line


def test_validate_with_nothing_pending(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data-quality", "validate"]) == 0
    assert "nothing to validate" in capsys.readouterr().out


def test_docs_prints_the_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SERVICETITAN_GX_DIR", str(tmp_path))
    assert main(["data-quality", "docs"]) == 0
    out = capsys.readouterr().out
    assert f"{tmp_path}/gx/uncommitted/data_docs/local_site/index.html" in out
    assert "/servicetitan/data-docs/index.html" in out


def test_scores_says_nothing_to_score_for_a_validation_of_no_records(
    session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.factories import make_data_quality_result

    credential = make_credential(company_name="Empty Co", tenant_id=777002)
    sync_log = make_sync_log(credential)
    session.add_all([credential, sync_log])
    session.flush()
    session.add(make_data_quality_result(sync_log, total_records=0, invalid_records=0, expectation_results=[]))
    session.commit()
    assert main(["data-quality", "scores"]) == 0
    (line,) = [line for line in capsys.readouterr().out.splitlines() if "Empty Co" in line]
    assert "nothing to score" in line
    assert "100" not in line
    assert "0 / 0" in line
