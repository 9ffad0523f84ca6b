"""The notification log (``servicetitan_notification_log``): what the 6-hour digest last sent, so that an
identical digest is not sent again within its window. It was an Airflow Variable, which only a task can write.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "servicetitan_notification_log",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_servicetitan_notification_log"),
    )


def downgrade() -> None:
    op.drop_table("servicetitan_notification_log")
