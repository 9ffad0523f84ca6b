"""What the command line prints: plain-text tables, and JSON alone on stdout."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import TextIO

_json_stdout: ContextVar[TextIO | None] = ContextVar("json_stdout", default=None)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers]] + [["" if value is None else str(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


@contextlib.contextmanager
def json_only_stdout() -> Iterator[None]:
    """For a ``--json`` command: stdout carries ``print_json``'s document alone, so that it pipes into ``jq``.
    Whatever else writes to ``sys.stdout`` meanwhile goes to stderr: above all Airflow's logging, which
    writes to the ``sys.stdout`` of when it is set up (its first import, inside the command)."""
    token = _json_stdout.set(sys.stdout)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        _json_stdout.reset(token)


def print_json(value: object) -> None:
    print(json.dumps(value, indent=2, default=str), file=_json_stdout.get() or sys.stdout)
