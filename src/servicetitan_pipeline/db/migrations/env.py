"""Alembic environment: runs online against the engine handed over by ``servicetitan_pipeline.db.migrate``."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from servicetitan_pipeline.db.migrate import VERSION_TABLE
from servicetitan_pipeline.db.models import Base

# Any 64-bit number unique to this project: concurrent upgrades (two workers, two make targets) queue here.
MIGRATION_LOCK_KEY = 0x5E7171A7


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        # A session-level lock, taken outside the migration transactions and held until the end.
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                version_table=VERSION_TABLE,
                transaction_per_migration=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            connection.rollback()
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            connection.commit()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run `servicetitan db upgrade`.")
run_migrations_online()
