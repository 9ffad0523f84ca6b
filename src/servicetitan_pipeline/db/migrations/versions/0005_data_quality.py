"""Data quality: the per-sync ledger of loaded records and the Great Expectations results.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from servicetitan_pipeline.db.migration_sql import migration_sql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "servicetitan_sync_loaded_records",
        sa.Column("row_id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("sync_log_id", UUID(as_uuid=True), nullable=False),
        sa.Column("resource", sa.String(16), nullable=False),
        sa.Column("record_id", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("row_id", name="pk_servicetitan_sync_loaded_records"),
        sa.ForeignKeyConstraint(
            ["sync_log_id"],
            ["servicetitan_sync_logs.id"],
            ondelete="CASCADE",
            name="fk_servicetitan_sync_loaded_records_sync_log_id",
        ),
    )
    op.create_index(
        "ix_servicetitan_sync_loaded_records_sync_resource",
        "servicetitan_sync_loaded_records",
        ["sync_log_id", "resource"],
    )
    op.create_table(
        "servicetitan_data_quality_results",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("sync_log_id", UUID(as_uuid=True), nullable=False),
        sa.Column("credential_id", UUID(as_uuid=True), nullable=False),
        sa.Column("data_type", sa.String(16), nullable=False),
        sa.Column("suite_name", sa.String(120), nullable=False),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_records", sa.Integer, nullable=False),
        sa.Column("valid_records", sa.Integer, nullable=False),
        sa.Column("invalid_records", sa.Integer, nullable=False),
        sa.Column("score", sa.Numeric(5, 2), nullable=False),
        sa.Column("expectation_results", JSONB, nullable=False),
        sa.Column("field_completeness", JSONB, nullable=False),
        sa.Column("validation_seconds", sa.Float, nullable=False),
        sa.Column("data_docs_page", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_servicetitan_data_quality_results"),
        sa.ForeignKeyConstraint(
            ["sync_log_id"],
            ["servicetitan_sync_logs.id"],
            ondelete="CASCADE",
            name="fk_servicetitan_data_quality_results_sync_log_id",
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["servicetitan_credentials.id"],
            ondelete="CASCADE",
            name="fk_servicetitan_data_quality_results_credential_id",
        ),
        sa.UniqueConstraint("sync_log_id", "data_type", name="uq_servicetitan_data_quality_results_sync_data_type"),
        sa.CheckConstraint("valid_records + invalid_records = total_records", name="counts_add_up"),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
    )
    op.create_index(
        "ix_servicetitan_data_quality_results_credential_validated",
        "servicetitan_data_quality_results",
        ["credential_id", "validated_at"],
    )
    # The dashboard's data-quality view gains the expectations score it had a placeholder for.
    op.execute("DROP VIEW servicetitan_dashboard_data_quality")
    op.execute(migration_sql("0005_data_quality", "create_view_dashboard_data_quality"))


def downgrade() -> None:
    op.execute("DROP VIEW servicetitan_dashboard_data_quality")
    op.execute(migration_sql("0004_dashboard_views", "create_view_dashboard_data_quality"))
    op.drop_table("servicetitan_data_quality_results")
    op.drop_table("servicetitan_sync_loaded_records")
