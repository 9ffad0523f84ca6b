"""The command line's output: ``--json`` puts the document alone on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from servicetitan_pipeline.cli.output import json_only_stdout, print_json

# Airflow sets up its logging (to stdout) when first imported: in a process of its own, as the command runs.
SCRIPT = """
import logging
from contextlib import nullcontext
from servicetitan_pipeline.cli.output import json_only_stdout, print_json
with json_only_stdout() if {routed} else nullcontext():
    import airflow.settings
    logging.getLogger("airflow.probe").warning("a warning of Airflow's")
    print_json({{"ok": True}})
"""


@pytest.mark.parametrize("routed", [True, False])
def test_airflow_logs_go_to_stderr_under_json(routed: bool) -> None:
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(routed=routed)],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    if routed:
        assert json.loads(run.stdout) == {"ok": True}
        assert "a warning of Airflow's" in run.stderr
    else:  # what would happen otherwise: the reason json_only_stdout exists
        assert "a warning of Airflow's" in run.stdout


def test_print_json_writes_to_the_commands_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    with json_only_stdout():
        print("something else")
        print_json({"ok": True})
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"ok": True}
    assert captured.err == "something else\n"
