"""The expectation suites, kept as JSON files in ``expectations/`` (reviewed like code, one per data type)."""

from __future__ import annotations

import json
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

# The wheel ships expectations/ as this package (pyproject's package-dir).
SUITES_PACKAGE = "servicetitan_pipeline.expectations"
SUITES_DIR: Traversable = files(SUITES_PACKAGE)


class SuiteFileError(ValueError):
    """A suite file is missing or malformed; the message names the file and what to fix."""


def load_suite_definition(name: str) -> dict[str, Any]:
    path = SUITES_DIR.joinpath(f"{name}.json")
    if not path.is_file():
        raise SuiteFileError(f"expectations/{name}.json is missing from {SUITES_PACKAGE}: reinstall the package")
    try:
        definition = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SuiteFileError(f"{path} is not valid JSON: {exc}") from None
    if definition.get("name") != name:
        raise SuiteFileError(f"{path}: 'name' must be {name!r}, the file's own name")
    expectations = definition.get("expectations")
    if not isinstance(expectations, list) or not expectations:
        raise SuiteFileError(f"{path}: 'expectations' must be a non-empty list")
    for position, expectation in enumerate(expectations, start=1):
        if not isinstance(expectation, dict) or not expectation.get("type") or not expectation.get("description"):
            raise SuiteFileError(f"{path}: expectation {position} needs a 'type' and a 'description'")
    return definition  # type: ignore[no-any-return]
