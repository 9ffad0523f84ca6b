"""`make run` stops whole: SIGTERM (or Ctrl-C) to `servicetitan dev run` ends every process Airflow started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

# Stands in for `airflow standalone`: a command whose own children must stop with it.
SCRIPT = """
import sys
from servicetitan_pipeline.local_airflow import _run_until_stopped
sys.exit(_run_until_stopped(["sh", "-c", "sleep 300 & sleep 300 & echo started; wait"], None))
"""


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigterm_stops_the_command_and_its_children() -> None:
    runner = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, text=True)
    assert runner.stdout is not None
    assert runner.stdout.readline().strip() == "started"
    children = subprocess.run(["pgrep", "-P", str(runner.pid)], capture_output=True, text=True).stdout.split()
    [session_leader] = children  # the `sh`, leader of a session (and process group) of its own
    pgid = os.getpgid(int(session_leader))
    assert pgid == int(session_leader) != os.getpgid(runner.pid)
    runner.send_signal(signal.SIGTERM)
    runner.send_signal(signal.SIGTERM)  # a second one, as an impatient `kill` sends: must not hang the stop
    assert runner.wait(timeout=40) == 130
    deadline = time.monotonic() + 10
    while _alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pgid), "a child of the stopped command is still running"
