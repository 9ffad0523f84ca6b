"""`make run` stops whole: Ctrl-C or SIGTERM to `servicetitan dev run` ends every process Airflow started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

# Stands in for `airflow standalone`: a command whose own children must stop with it.
SCRIPT = """
import sys
from servicetitan_pipeline.local_airflow import _run_until_stopped
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
