"""Control and format characters (Unicode categories Cc and Cf: ESC, NUL, bidi overrides...) in text
that reaches a terminal or a log: found, to refuse them on input, and escaped, to show them harmlessly."""

from __future__ import annotations

import unicodedata

_CATEGORIES = ("Cc", "Cf")


def control_characters(text: str) -> list[str]:
    """The distinct control and format characters in ``text``, as code points (``U+001B``), in order."""
    if text.isprintable():  # fast path: no Cc or Cf character is printable
        return []
    found = dict.fromkeys(f"U+{ord(char):04X}" for char in text if unicodedata.category(char) in _CATEGORIES)
    return list(found)


def escape_control_characters(text: str, keep: str = "") -> str:
    """``text`` with each control or format character (but those in ``keep``) written as its Python
    escape (``\\x1b``, ``\\u202e``), so a terminal shows it instead of obeying it."""
    if text.isprintable():
        return text
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if char not in keep and unicodedata.category(char) in _CATEGORIES
        else char
        for char in text
    )
