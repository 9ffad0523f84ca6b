"""The SQL of a migration, frozen with its revision in ``db/migrations/sql/<revision file stem>/<name>.sql``.

A revision creates what its own files say, forever: the runtime's include/sql may change, these never do. A
downgrade that restores an older object reads the older revision's file."""

from __future__ import annotations

from importlib.resources import files
from typing import LiteralString, cast

MIGRATIONS_SQL = files("servicetitan_pipeline.db").joinpath("migrations", "sql")


def migration_sql(revision: str, name: str) -> LiteralString:
    """``revision`` is the revision's file stem (``0004_dashboard_views``), ``name`` the file's, without .sql.

    ``LiteralString`` as for ``load_sql``: the text is a file shipped inside this package, never user input."""
    resource = MIGRATIONS_SQL.joinpath(revision, f"{name}.sql")
    if not resource.is_file():
        raise FileNotFoundError(f"migration SQL {revision}/{name}.sql is missing: reinstall servicetitan-pipeline")
    # mypy reads LiteralString as str and calls the cast redundant; checkers that follow PEP 675 need it.
    return cast(LiteralString, resource.read_text(encoding="utf-8"))  # type: ignore[redundant-cast]
