"""Each sync-log row names the Airflow task instance that ran it (``airflow_run_id``, ``airflow_map_index``):
the tenant page, the health page and Slack link a sync to its exact run and log. NULL for rows written
before, and for syncs run outside a DAG run (the command line, the demo).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLE = "servicetitan_sync_logs"


def upgrade() -> None:
    # Nullable, no default: adding them rewrites nothing, whatever the size of the sync log.
    op.add_column(TABLE, sa.Column("airflow_run_id", sa.String(250)))
    op.add_column(TABLE, sa.Column("airflow_map_index", sa.Integer))


def downgrade() -> None:
    op.drop_column(TABLE, "airflow_map_index")
    op.drop_column(TABLE, "airflow_run_id")
