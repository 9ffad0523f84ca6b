"""`servicetitan db ...` through the installed console script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from servicetitan_pipeline.db import migrate

CONSOLE_SCRIPT = Path(sys.executable).parent / "servicetitan"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONSOLE_SCRIPT), *args], capture_output=True, text=True, env=env or dict(os.environ), check=False
    )


def test_console_script_is_installed() -> None:
    assert shutil.which("servicetitan", path=str(CONSOLE_SCRIPT.parent))
    result = run("--help")
    assert result.returncode == 0
    for group in ("db", "credentials", "dev", "demo"):
        assert group in result.stdout


def test_current_reports_the_head_revision() -> None:
    result = run("db", "current")
    assert result.returncode == 0, result.stderr
    assert f"revision {migrate.head_revision()} (up to date)" in result.stdout


def test_missing_database_connection_says_how_to_set_it() -> None:
    env = {k: v for k, v in os.environ.items() if k != "AIRFLOW_CONN_SERVICETITAN_DB"}
    env["AIRFLOW_CONN_SERVICETITAN_DB"] = '{"conn_type": "http", "host": "example"}'
    result = run("credentials", "list", env=env)
    assert result.returncode == 2
    assert "has type 'http'; it must be postgres" in result.stderr


@pytest.mark.parametrize("command", [["db", "upgrade"], ["db", "downgrade"], ["db", "current"]])
def test_db_commands_have_help(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "usage: servicetitan db" in result.stdout
