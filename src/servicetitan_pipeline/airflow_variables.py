"""Settings dataclasses filled from Airflow Variables: one Variable per field, the dataclass's default
when the Variable is not set, and a clear error naming the Variable when its value has the wrong type."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")
_KIND_NAMES = {int: "whole number", float: "number", str: "text"}


def settings_from_variables(cls: type[T], prefix: str) -> T:
    """``cls(**values)`` where each field may be overridden by the Variable ``<prefix><field name>``."""
    from airflow.sdk import Variable

    values: dict[str, Any] = {}
    for field in fields(cls):  # type: ignore[arg-type]
        name = f"{prefix}{field.name}"
        raw = Variable.get(name, default=None)
        if raw is None:
            continue
        kind = type(getattr(cls, field.name))
        try:
            values[field.name] = kind(raw)
        except ValueError:
            raise ValueError(
                f"Airflow Variable {name}={raw!r} is not a {_KIND_NAMES.get(kind, kind.__name__)}"
            ) from None
    return cls(**values)
