"""JSON's structure (strings, brackets, commas) read without recursion and without judging the values.

msgspec decodes in C but recurses once per nesting level, so one deeply nested value raises
RecursionError for the whole text it sits in. These helpers find where a container's items begin and
end, and how deep a text nests, whatever the values hold (control characters, invalid UTF-8, bad
escapes): the items can then be decoded one by one, and one bad item judged on its own. They run in
Python, token by token, so they are for the rare texts msgspec refused, never the hot path.
"""

from __future__ import annotations

import re

# A string token (escapes included), or one structural character.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]', re.DOTALL)
_INNERMOST_PAIR = re.compile(rb"\[\]|\{\}")
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_OPENERS = frozenset(b"[{")
_CLOSERS = frozenset(b"]}")
_QUOTE = ord('"')
_COMMA = ord(",")
_COLON = ord(":")
JSON_WHITESPACE = b" \t\r\n"


class StructureError(ValueError):
    """The text's brackets, strings or commas do not form the expected container."""


def nesting_depth(text: bytes, limit: int) -> int:
    """How deep ``text`` nests (a top-level object or array is 1), counted up to ``limit + 1`` at most."""
    skeleton = _STRING.sub(b"", text).translate(None, _NOT_BRACKETS)
    depth = 0
    while skeleton and depth <= limit:
        skeleton, pairs = _INNERMOST_PAIR.subn(b"", skeleton)
        if not pairs:  # unbalanced: each opener left may still nest
            return depth + len(skeleton)
        depth += 1
    return depth


def container_items(text: bytes, start: int) -> tuple[list[tuple[int, int]], int]:
    """The (start, end) spans of the top-level items of the array or object opening at ``text[start]``
    (whitespace trimmed; none for an empty container), and the index just after its closing bracket."""
    if start >= len(text) or text[start] not in _OPENERS:
        raise StructureError("expected '[' or '{'")
    depth = 0
    spans: list[tuple[int, int]] = []
    item_start = start + 1
    for token in _TOKEN.finditer(text, start):
        first = text[token.start()]
        if first == _QUOTE:
            continue
        if first in _OPENERS:
            depth += 1
        elif first in _CLOSERS:
            depth -= 1
            if depth == 0:
                _add_span(text, spans, item_start, token.start(), last=True)
                return spans, token.end()
        elif depth == 1:  # a comma between two items
            _add_span(text, spans, item_start, token.start(), last=False)
            item_start = token.end()
    raise StructureError("a bracket is never closed (the text was cut short?)")


def object_member(text: bytes, span: tuple[int, int]) -> tuple[bytes, tuple[int, int]]:
    """The key (its JSON string token) and the value's span of the object member ``text[span]``."""
    start, end = span
    key = _STRING.match(text, start, end)
    if key is None:
        raise StructureError("an object member does not start with a quoted key")
    colon = _skip_whitespace(text, key.end(), end)
    if colon >= end or text[colon] != _COLON:
        raise StructureError("an object key is not followed by ':'")
    value_start = _skip_whitespace(text, colon + 1, end)
    if value_start >= end:
        raise StructureError("an object key has no value")
    return key.group(), (value_start, end)


def _add_span(text: bytes, spans: list[tuple[int, int]], start: int, end: int, *, last: bool) -> None:
    start = _skip_whitespace(text, start, end)
    while end > start and text[end - 1] in JSON_WHITESPACE:
        end -= 1
    if start == end and last and not spans:
        return  # an empty container
    spans.append((start, end))  # an empty item between commas is kept: its decoding will say it is empty


def _skip_whitespace(text: bytes, position: int, end: int) -> int:
    while position < end and text[position] in JSON_WHITESPACE:
        position += 1
    return position
