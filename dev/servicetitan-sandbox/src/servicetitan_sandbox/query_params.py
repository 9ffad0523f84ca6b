"""Query parameters read as ServiceTitan's ASP.NET API binds them.

Names match case-insensitively, the first of repeated values wins, unknown names are ignored, and a
value that cannot be bound is a 400 whose ``errors`` maps the parameter's name to messages.
"""

from __future__ import annotations

from typing import TypeVar

from starlette.datastructures import QueryParams

from servicetitan_sandbox.timestamps import parse_query_datetime

_T = TypeVar("_T")
_TRUE = "true"
_FALSE = "false"


class QueryReader:
    def __init__(self, params: QueryParams) -> None:
        self._values: dict[str, str] = {}
        for name, value in params.multi_items():
            self._values.setdefault(name.lower(), value)
        self.errors: dict[str, list[str]] = {}

    def text(self, name: str) -> str | None:
        return self._values.get(name.lower())

    def integer(self, name: str, default: int, minimum: int, maximum: int) -> int:
        raw = self.text(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            return self._invalid(name, raw, default)
        if not minimum <= value <= maximum:
            self.errors.setdefault(name, []).append(f"{name} must be between {minimum} and {maximum}.")
            return default
        return value

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.text(name)
        if raw is None or raw == "":
            return default
        if raw.strip().lower() in (_TRUE, _FALSE):
            return raw.strip().lower() == _TRUE
        return self._invalid(name, raw, default)

    def datetime_ticks(self, name: str) -> int | None:
        raw = self.text(name)
        if raw is None or raw == "":
            return None
        try:
            return parse_query_datetime(raw)
        except ValueError:
            return self._invalid(name, raw, None)

    def choice(self, name: str, options: tuple[str, ...], default: str) -> str:
        """One of ``options`` (an enumeration; matched case-insensitively, answered as spelled there)."""
        raw = self.text(name)
        if raw is None or raw == "":
            return default
        for option in options:
            if raw.strip().lower() == option.lower():
                return option
        return self._invalid(name, raw, default)

    def sort_order(self, name: str, fields: tuple[str, ...]) -> tuple[str, bool] | None:
        """``-Field`` (descending), ``+Field`` or ``Field`` (ascending), ``Field`` one of ``fields``
        (matched case-insensitively, answered as spelled there), as ``(field, descending)``."""
        raw = self.text(name)
        if raw is None or raw.strip() == "":
            return None
        # An unencoded "+" arrives as a space, which the strip takes: still ascending.
        text = raw.strip()
        descending = text.startswith("-")
        field = text[1:].strip() if text[0] in "+-" else text
        for option in fields:
            if field.lower() == option.lower():
                return option, descending
        self.errors.setdefault(name, []).append(
            f"The value '{raw}' is not valid: sort by {', '.join(fields)}, as -Field (descending) or +Field "
            "(ascending)."
        )
        return None

    def integer_list(self, name: str) -> tuple[int, ...] | None:
        """A comma-separated list of integers (``ids``)."""
        raw = self.text(name)
        if raw is None or raw.strip() == "":
            return None
        try:
            return tuple(int(part) for part in raw.split(",") if part.strip())
        except ValueError:
            return self._invalid(name, raw, None)

    def _invalid(self, name: str, raw: str, fallback: _T) -> _T:
        self.errors.setdefault(name, []).append(f"The value '{raw}' is not valid.")
        return fallback
