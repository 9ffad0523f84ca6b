"""Plain-text tables for the command line, and output that no value can use to drive the terminal."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from typing import IO, Any

from servicetitan_pipeline.control_characters import escape_control_characters


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
