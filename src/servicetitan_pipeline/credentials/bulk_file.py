"""The file of ``servicetitan credentials add-many``: one credential per CSV row or YAML list item.

Columns (CSV header) or keys (YAML): company, environment, tenant_id, client_id, client_secret, app_key,
and optionally company_id, base_url. Each row keeps the line it starts on, so that a bad row is reported
by its line; its values are never part of a problem (they hold secrets).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import yaml

from servicetitan_pipeline.credentials.management import NewCredential

REQUIRED = ("company", "environment", "tenant_id", "client_id", "client_secret", "app_key")
OPTIONAL = ("company_id", "base_url")


class BulkFileError(ValueError):
    """The file as a whole cannot be read (not a row of it)."""


@dataclass(frozen=True)
class BulkRow:
    line: int
    new: NewCredential | None  # None: the row itself is unusable; ``problem`` says why
    problem: str | None = None


def read_bulk_file(path: Path) -> list[BulkRow]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BulkFileError(f"{path}: cannot read the file ({getattr(exc, 'strerror', None) or exc})") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        return _yaml_rows(text, path)
    return _csv_rows(text, path)


def _row(line: int, values: dict[str, object]) -> BulkRow:
    unknown = sorted(str(key) for key in values if key not in REQUIRED + OPTIONAL)
    missing = [key for key in REQUIRED if values.get(key) in (None, "")]
    if unknown or missing:
        parts = ([f"unknown field(s) {', '.join(unknown)}"] if unknown else []) + (
            [f"missing {', '.join(missing)}"] if missing else []
        )
        return BulkRow(line, None, "; ".join(parts))

    def text(key: str) -> str | None:
        value = values.get(key)
        return None if value is None or value == "" else str(value)

    new = NewCredential(
        company_name=str(text("company")),
        environment=str(text("environment")),
        tenant_id=str(text("tenant_id")),
        client_id=text("client_id"),
        client_secret=text("client_secret"),
        app_key=text("app_key"),
        company_id=text("company_id"),
        base_url=text("base_url"),
    )
    return BulkRow(line, new)


def _csv_rows(text: str, path: Path) -> list[BulkRow]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    absent = [key for key in REQUIRED if key not in header]
    if absent:
        raise BulkFileError(f"{path}: line 1: the header lacks {', '.join(absent)} (columns: {', '.join(REQUIRED)})")
    reader.fieldnames = header
    rows = []
    line = 1
    for record in reader:
        line_of_row = line + 1
        line = reader.line_num
        if None in record:  # more cells than columns
            rows.append(BulkRow(line_of_row, None, "more cells than the header has columns"))
            continue
        rows.append(_row(line_of_row, {k: (v or "").strip() for k, v in record.items()}))
    return rows


def _yaml_rows(text: str, path: Path) -> list[BulkRow]:
    try:
        document = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise BulkFileError(f"{path}: not valid YAML{where}") from None  # never the content: it holds secrets
    if not isinstance(document, yaml.SequenceNode):
        raise BulkFileError(f"{path}: expected a list of credentials")
    rows = []
    for node in document.value:
        line = node.start_mark.line + 1
        value = _construct(node)
        if not isinstance(value, dict):
            rows.append(BulkRow(line, None, "expected a mapping of fields"))
            continue
        rows.append(_row(line, value))
    return rows


def _construct(node: yaml.Node) -> object:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()
