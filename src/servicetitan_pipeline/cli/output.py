"""What the command line prints: plain-text tables, JSON alone on stdout, and output that no value can use
to drive the terminal."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import IO, Any, TextIO

from servicetitan_pipeline.control_characters import escape_control_characters

_json_stdout: ContextVar[TextIO | None] = ContextVar("json_stdout", default=None)


def printable(value: object) -> str:
    """``value`` as one line of harmless text: control characters (ESC, NUL, newlines, bidi overrides...)
    escaped. Values come from the database, the API or a user, and may hold anything."""
    return escape_control_characters("" if value is None else str(value))


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[printable(h) for h in headers]] + [[printable(value) for value in row] for row in rows]
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


class _NeutralisingStream:
    """Writes to ``stream`` with control characters escaped, line breaks and tabs kept: the guard for
    every message, whatever value it interpolates."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(escape_control_characters(text, keep="\n\t"))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def neutralised_output() -> Iterator[None]:
    """Within: what the command prints to stdout and stderr cannot carry a terminal escape."""
    with (
        contextlib.redirect_stdout(_NeutralisingStream(sys.stdout)),  # type: ignore[type-var]
        contextlib.redirect_stderr(_NeutralisingStream(sys.stderr)),  # type: ignore[type-var]
    ):
        yield
