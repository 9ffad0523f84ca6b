from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicetitan_devtools.database import empty_project_tables
from servicetitan_devtools.demo_world import demo_world
from servicetitan_pipeline.cli.health_commands import EXIT_CODES
from servicetitan_pipeline.cli.main import main
from tests.factories import make_credential, make_sync_log


def test_health_exit_0_when_healthy(clean_db: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    # Nothing is wrong: no credential, no sync (rows another test may have left are removed first).
    empty_project_tables(clean_db)
    assert main(["health", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "healthy"


def test_health_exit_1_when_degraded(clean_db: Engine, session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    empty_project_tables(clean_db)
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


@pytest.mark.usefixtures("clean_db", "airflow_connections")
def test_health_json_is_the_only_thing_on_stdout() -> None:
    """As a probe or cron job runs it (`servicetitan health --json | jq`), in the demo's world: the token
    probe reads the demo's connections, which is where Airflow's masker used to warn."""
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session

    servicetitan = str(Path(sys.executable).parent / "servicetitan")
    try:
        with demo_world(slack_port=0):
            run = subprocess.run(
                [servicetitan, "health", "--json"], capture_output=True, text=True, env=os.environ, timeout=120
            )
    finally:
        with create_session() as session:  # demo_world pointed it at its receiver, gone now
            session.query(Connection).filter(Connection.conn_id == "slack_alerts").delete()
    report = json.loads(run.stdout)
    assert run.returncode == EXIT_CODES[report["status"]], run.stderr
    assert report["checks"]["api_connectivity"]["details"]["checked"] == 3
    assert "Skipping masking" not in run.stdout
    assert "Skipping masking" not in run.stderr  # no short value is registered as a secret at all
