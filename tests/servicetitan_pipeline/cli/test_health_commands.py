from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from servicetitan_pipeline.cli.main import main
from tests.factories import make_credential, make_sync_log


def test_health_exit_0_when_healthy(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    # Nothing is wrong: no credential, no sync (rows another test may have left are removed first).
    session.execute(sa.text("TRUNCATE servicetitan_credentials CASCADE"))
    session.commit()
    assert main(["health", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "healthy"


def test_health_exit_1_when_degraded(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    session.execute(sa.text("TRUNCATE servicetitan_credentials CASCADE"))
    # 2 of the last 10 syncs failed: 20 %, above the 10 % that degrades and below the 50 % that is unhealthy.
    # The credential is disabled, so no token is asked for and no stale-sync finding interferes.
    credential = make_credential(is_active=False)
    now = datetime.now(UTC)
    for i in range(10):
        started = now - timedelta(hours=i + 1)
        failed = i < 2
        session.add(
            make_sync_log(
                credential,
                status="failed" if failed else "completed",
                started_at=started,
                completed_at=started + timedelta(minutes=1),
                records_processed=0 if failed else 10,
                records_successful=0 if failed else 9,
                records_failed=0 if failed else 1,
            )
        )
    session.commit()
    assert main(["health"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("overall: degraded")
    assert "recent_syncs: degraded" in out


def test_health_exit_2_when_unhealthy(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    session.add(make_credential(is_active=False, client_secret_expires_at=datetime.now(UTC) - timedelta(days=1)))
    session.add(
        make_credential(connection_status="error", client_secret_expires_at=datetime.now(UTC) - timedelta(days=1))
    )
    session.commit()
    assert main(["health"]) == 2
    assert "credentials: unhealthy" in capsys.readouterr().out
