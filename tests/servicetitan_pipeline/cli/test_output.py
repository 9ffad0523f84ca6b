"""What the command line prints cannot drive the terminal, whatever the values hold."""

from __future__ import annotations

import pytest

from servicetitan_pipeline.cli.output import format_table, neutralised_output, printable


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
    import sys

    with neutralised_output():
        print("onboarded \x1b]0;pwned\x07Evil (integration, tenant 1)\n\tnext line")
        print("error: \u202eboom", file=sys.stderr)
    captured = capsys.readouterr()
    assert captured.out == "onboarded \\x1b]0;pwned\\x07Evil (integration, tenant 1)\n\tnext line\n"
    assert captured.err == "error: \\u202eboom\n"
    print("\x1b[0m")  # outside, untouched: the guard is for the command's own output
    assert capsys.readouterr().out == "\x1b[0m\n"
