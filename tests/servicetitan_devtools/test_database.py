"""The one helper that empties the project's tables knows every table the migrations create."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicetitan_devtools.database import empty_project_tables, project_table_names
from servicetitan_pipeline.db.migrate import VERSION_TABLE
from tests.factories import make_credential, make_sync_log


def _row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one() for name in project_table_names()
        }


def test_every_migrated_table_is_a_project_table(clean_db: Engine) -> None:
    # Airflow's tables may share the database: the project's are the servicetitan_ ones.
    with clean_db.connect() as conn:
        migrated = set(
            conn.execute(
                sa.text(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                    r" AND table_type = 'BASE TABLE' AND table_name LIKE 'servicetitan\_%' AND table_name <> :version"
                ),
                {"version": VERSION_TABLE},
            ).scalars()
        )
    assert migrated == set(project_table_names())


def test_empties_every_table(session: Session, clean_db: Engine) -> None:
    credential = make_credential()
    session.add_all([credential, make_sync_log(credential)])
    session.commit()
    assert _row_counts(clean_db)["servicetitan_sync_logs"] == 1
    empty_project_tables(clean_db)
    assert set(_row_counts(clean_db).values()) == {0}


def test_empties_only_the_tables_named(session: Session, clean_db: Engine) -> None:
    credential = make_credential()
    session.add_all([credential, make_sync_log(credential)])
    session.commit()
    empty_project_tables(clean_db, only=["servicetitan_customers", "servicetitan_invoices"])
    counts = _row_counts(clean_db)
    assert (counts["servicetitan_credentials"], counts["servicetitan_sync_logs"]) == (1, 1)


def test_refuses_a_table_that_is_not_the_projects(clean_db: Engine) -> None:
    with pytest.raises(ValueError, match="not tables of the project: alembic_version"):
        empty_project_tables(clean_db, only=["servicetitan_invoices", "alembic_version"])
