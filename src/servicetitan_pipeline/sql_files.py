"""SQL longer than a line lives in include/sql/<verb>_<object>.sql; this reads it, once per process.

The wheel ships include/sql as the package ``servicetitan_pipeline.sql`` (pyproject's package-dir), so the
files are found through importlib.resources wherever the package is installed."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

SQL_PACKAGE = "servicetitan_pipeline.sql"


@cache
def load_sql(name: str) -> str:
    resource = files(SQL_PACKAGE).joinpath(f"{name}.sql")
    if not resource.is_file():
        raise FileNotFoundError(f"{name}.sql is missing from {SQL_PACKAGE}: reinstall servicetitan-pipeline")
    return resource.read_text(encoding="utf-8")
