"""`make run` stops whole: Ctrl-C or SIGTERM to `servicetitan dev run` ends every process Airflow started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from types import SimpleNamespace

import pytest

from servicetitan_devtools.local_airflow import standalone_environment
from servicetitan_pipeline.cli.main import main

# Stands in for `airflow standalone`: a command whose own children must stop with it.
SCRIPT = """
import sys
from servicetitan_devtools.local_airflow import _run_until_stopped
sys.exit(_run_until_stopped(["sh", "-c", "sleep 300 & sleep 300 & echo started; wait"], None))
"""


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_stop_signal_stops_the_command_and_its_children(stop: signal.Signals) -> None:
    # Started as from `make run &`: SIGINT arrives ignored, and must work all the same.
    runner = subprocess.Popen(
        [sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, text=True, preexec_fn=_ignore_sigint
    )
    assert runner.stdout is not None
    assert runner.stdout.readline().strip() == "started"
    children = subprocess.run(["pgrep", "-P", str(runner.pid)], capture_output=True, text=True).stdout.split()
    [session_leader] = children  # the `sh`, leader of a session (and process group) of its own
    pgid = os.getpgid(int(session_leader))
    assert pgid == int(session_leader) != os.getpgid(runner.pid)
    runner.send_signal(stop)
    runner.send_signal(stop)  # a second one, as an impatient user sends: must not cut the stop short
    assert runner.wait(timeout=40) == 130
    deadline = time.monotonic() + 10
    while _alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pgid), "a child of the stopped command is still running"


EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - what a user may ask for; nothing binds it here


class _Started:
    """Stands in for `servicetitan dev run`'s setup (databases, the demo's world, `airflow standalone`) and
    records the environment standalone would get."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from servicetitan_devtools import airflow_settings, demo_world, local_airflow

        self.env: Mapping[str, str] | None = None
        world = SimpleNamespace(
            sandbox=SimpleNamespace(base_url="http://127.0.0.1:8899"),
            slack=SimpleNamespace(base_url="http://127.0.0.1:8765"),
            tenant_ids=[1001],
            onboarding=[],
        )
        monkeypatch.setattr(local_airflow.DevEnvironment, "prepare", lambda self: {"AIRFLOW__API__PORT": "8080"})
        monkeypatch.setattr(airflow_settings, "import_settings", lambda path: [])
        monkeypatch.setattr(demo_world, "demo_world", lambda **ports: contextlib.nullcontext(world))
        monkeypatch.setattr(local_airflow, "_run_until_stopped", self._run)

    def _run(self, command: list[str], output: object, env: Mapping[str, str] | None = None) -> int:
        self.env = os.environ if env is None else env
        return 0


def test_dev_run_binds_the_airflow_ui_to_this_machine_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AIRFLOW__API__HOST", EVERY_INTERFACE)  # Airflow's default, also when inherited
    started = _Started(monkeypatch)
    assert main(["dev", "run"]) == 0
    assert started.env is not None
    assert started.env["AIRFLOW__API__HOST"] == "127.0.0.1"
    out = capsys.readouterr().out
    assert "Airflow UI: http://localhost:8080" in out
    assert "Warning" not in out


def test_dev_run_host_exposes_the_ui_and_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started = _Started(monkeypatch)
    assert main(["dev", "run", "--host", EVERY_INTERFACE]) == 0
    assert started.env is not None
    assert started.env["AIRFLOW__API__HOST"] == EVERY_INTERFACE
    out = capsys.readouterr().out
    assert "Warning: the Airflow UI listens on 0.0.0.0, not only on this machine" in out
    assert "Leave out --host to keep it local." in out


def test_a_specific_host_is_where_tasks_reach_the_execution_api() -> None:
    env = standalone_environment("192.0.2.7", "8080", base={"PATH": "/usr/bin"})
    assert env["AIRFLOW__API__HOST"] == "192.0.2.7"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://192.0.2.7:8080/execution/"
    assert env["PATH"].endswith(os.pathsep + "/usr/bin")
    assert "AIRFLOW__CORE__EXECUTION_API_SERVER_URL" not in standalone_environment("127.0.0.1", "8080", base={})
