"""Log retention: daily aggregates of rolled-up sync logs and data-quality results; the dashboard views read them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from servicetitan_pipeline.db.migration_sql import migration_sql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REVISION = "0006_sync_log_daily_aggregates"
# View -> (its file here, reading the aggregates too; the revision whose file it replaces)
VIEWS = {
    "servicetitan_dashboard_sync_daily": ("create_view_dashboard_sync_daily", "0004_dashboard_views"),
    "servicetitan_dashboard_data_quality": ("create_view_dashboard_data_quality", "0005_data_quality"),
}


def upgrade() -> None:
    op.create_table(
        "servicetitan_sync_log_daily",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("credential_id", UUID(as_uuid=True), nullable=False),
        sa.Column("sync_type", sa.String(16), nullable=False),
        sa.Column("data_type", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sync_count", sa.Integer, nullable=False),
        sa.Column("records_processed", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("records_successful", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("records_failed", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("timed_sync_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("total_processing_seconds", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("max_processing_seconds", sa.Integer),
        sa.Column(
            "processing_seconds", sa.ARRAY(sa.Integer), nullable=False, server_default=sa.text("'{}'::integer[]")
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint(
            "day", "credential_id", "sync_type", "data_type", "status", name="pk_servicetitan_sync_log_daily"
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["servicetitan_credentials.id"],
            ondelete="CASCADE",
            name="fk_servicetitan_sync_log_daily_credential_id",
        ),
        sa.CheckConstraint("sync_type IN ('manual', 'scheduled')", name="sync_type"),
        sa.CheckConstraint("data_type IN ('invoices', 'customers', 'both')", name="data_type"),
        sa.CheckConstraint("status IN ('completed', 'failed')", name="status"),
        sa.CheckConstraint("sync_count > 0", name="sync_count_positive"),
        sa.CheckConstraint("timed_sync_count >= 0 AND timed_sync_count <= sync_count", name="timed_within_syncs"),
        sa.CheckConstraint(
            "records_processed >= 0 AND records_successful >= 0 AND records_failed >= 0",
            name="records_non_negative",
        ),
        sa.CheckConstraint("cardinality(processing_seconds) = timed_sync_count", name="one_time_per_timed_sync"),
    )
    op.create_index(
        "ix_servicetitan_sync_log_daily_credential_day", "servicetitan_sync_log_daily", ["credential_id", "day"]
    )
    op.create_table(
        "servicetitan_data_quality_daily",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("credential_id", UUID(as_uuid=True), nullable=False),
        sa.Column("data_type", sa.String(16), nullable=False),
        sa.Column("validations", sa.Integer, nullable=False),
        sa.Column("validated_records", sa.BigInteger, nullable=False),
        sa.Column("valid_records", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("day", "credential_id", "data_type", name="pk_servicetitan_data_quality_daily"),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["servicetitan_credentials.id"],
            ondelete="CASCADE",
            name="fk_servicetitan_data_quality_daily_credential_id",
        ),
        sa.CheckConstraint("validations > 0", name="validations_positive"),
        sa.CheckConstraint("valid_records >= 0 AND valid_records <= validated_records", name="valid_within_validated"),
    )
    op.create_index(
        "ix_servicetitan_data_quality_daily_credential_day", "servicetitan_data_quality_daily", ["credential_id", "day"]
    )
    for view, (sql_name, _) in VIEWS.items():
        op.execute(f"DROP VIEW {view}")
        op.execute(migration_sql(REVISION, sql_name))


def downgrade() -> None:
    for view, (sql_name, previous) in VIEWS.items():
        op.execute(f"DROP VIEW {view}")
        op.execute(migration_sql(previous, sql_name))
    op.drop_table("servicetitan_data_quality_daily")
    op.drop_table("servicetitan_sync_log_daily")
