"""Apply the project's Alembic migrations (``servicetitan db upgrade`` / ``downgrade``).

The version table is the project's own, ``servicetitan_alembic_version``, so these migrations
never touch Airflow's ``alembic_version`` even when both live in one database.
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

VERSION_TABLE = "servicetitan_alembic_version"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Alembic narrates every step at INFO; callers report the outcome themselves.
logging.getLogger("alembic").setLevel(logging.WARNING)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "-1") -> None:
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def drop_everything(engine: Engine) -> None:
    """Downgrade to an empty schema (used by tests on a throwaway database)."""
    with engine.begin() as conn:
        has_table = sa.inspect(conn).has_table(VERSION_TABLE)
    if has_table:
        downgrade(engine, "base")
