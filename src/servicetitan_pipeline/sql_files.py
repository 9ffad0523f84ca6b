"""The runtime's SQL longer than a line lives in include/sql/<user>/<verb>_<object>.sql, grouped by the module
that runs it (sync, alerts, monitoring, data_quality, maintenance); this reads it, once per process.

The wheel ships include/sql as the package ``servicetitan_pipeline.sql`` (pyproject's package-dir), so the
files are found through importlib.resources wherever the package is installed. Migrations never read these
files: each revision's SQL is frozen with it (``servicetitan_pipeline.db.migration_sql``)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import LiteralString, cast

SQL_PACKAGE = "servicetitan_pipeline.sql"


@cache
def load_sql(name: str) -> LiteralString:
    """The text of ``<name>.sql``, ``name`` relative to include/sql (``"alerts/select_stale_sync_alerts"``).

    Typed ``LiteralString`` so psycopg's ``execute`` (which takes a LiteralString or an ``sql.SQL``) and
    SQLAlchemy's ``text()`` accept it as written. The cast is sound: the text is a file shipped inside this
    package, as fixed as a literal in the code, never user input; values reach it only as bound parameters."""
    resource = files(SQL_PACKAGE).joinpath(*f"{name}.sql".split("/"))
    if not resource.is_file():
        raise FileNotFoundError(f"{name}.sql is missing from {SQL_PACKAGE}: reinstall servicetitan-pipeline")
    # mypy reads LiteralString as str and calls the cast redundant; checkers that follow PEP 675 need it.
    return cast(LiteralString, resource.read_text(encoding="utf-8"))  # type: ignore[redundant-cast]
