"""The command line's output: ``--json`` puts the document alone on stdout, and nothing printed can drive
the terminal, whatever the values hold."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from servicetitan_pipeline.cli.output import format_table, json_only_stdout, neutralised_output, print_json, printable

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


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("\x01\x1b[31mEvil Co", "\\x01\\x1b[31mEvil Co"),
        ("Acme\u202eoC gnibmulP", "Acme\\u202eoC gnibmulP"),  # a bidi override, category Cf
        ("two\nlines\tand a\x00", "two\\nlines\\tand a\\x00"),
        ("Café Ünïcode — fine", "Café Ünïcode — fine"),
        (None, ""),
        (42, "42"),
    ],
)
def test_printable_escapes_control_and_format_characters(value: object, shown: str) -> None:
    assert printable(value) == shown


def test_table_cells_are_escaped_and_aligned_as_shown() -> None:
    table = format_table(["COMPANY", "TENANT"], [["\x1b[2JWiped", 1], ["Acme", 2]])
    assert "\x1b" not in table
    _, _, first, second = table.splitlines()
    assert first == "\\x1b[2JWiped  1"
    assert second.rindex("2") == first.rindex("1")


def test_everything_printed_within_is_neutralised_but_lines_stay_lines(capsys: pytest.CaptureFixture[str]) -> None:
    with neutralised_output():
        print("onboarded \x1b]0;pwned\x07Evil (integration, tenant 1)\n\tnext line")
        print("error: \u202eboom", file=sys.stderr)
    captured = capsys.readouterr()
    assert captured.out == "onboarded \\x1b]0;pwned\\x07Evil (integration, tenant 1)\n\tnext line\n"
    assert captured.err == "error: \\u202eboom\n"
    print("\x1b[0m")  # outside, untouched: the guard is for the command's own output
    assert capsys.readouterr().out == "\x1b[0m\n"
