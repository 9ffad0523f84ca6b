"""Emptying the project's tables, for the tests, the benchmarks and the browser fixture.

The table list comes from the models' metadata, so a table added to the models is emptied too without
anyone remembering to list it (a test checks the migrated schema has no table the models lack).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from servicetitan_pipeline.db.models import Base


def project_table_names() -> list[str]:
    """Every table of the project's models, dependants first (the order DROP wants)."""
    return [table.name for table in reversed(Base.metadata.sorted_tables)]


def empty_project_tables(engine: Engine, only: Iterable[str] | None = None) -> None:
    """TRUNCATE the project's tables, all of them or ``only`` those (with whatever references them: CASCADE)."""
    every = project_table_names()
    tables = every if only is None else list(only)
    unknown = sorted(set(tables) - set(every))
    if unknown:
        raise ValueError(f"not tables of the project: {', '.join(unknown)}")
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} CASCADE"))
