"""Credentials (one per ServiceTitan tenant and environment) and the sync log (one row per sync attempt).

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _enum_check(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def upgrade() -> None:
    op.create_table(
        "servicetitan_credentials",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("company_id", UUID(as_uuid=True), nullable=False),
        sa.Column("company_name", sa.String(255), nullable=False),
        sa.Column("environment", sa.String(16), nullable=False),
        sa.Column("tenant_id", sa.BigInteger, nullable=False),
        sa.Column("airflow_conn_id", sa.String(250), nullable=False),
        sa.Column("connection_status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("last_connected_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column("token_expires_at", sa.DateTime(timezone=True)),
        sa.Column("client_secret_expires_at", sa.DateTime(timezone=True)),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_servicetitan_credentials"),
        sa.UniqueConstraint("environment", "tenant_id", name="uq_servicetitan_credentials_environment_tenant"),
        sa.UniqueConstraint("airflow_conn_id", name="uq_servicetitan_credentials_airflow_conn_id"),
        sa.CheckConstraint(_enum_check("environment", ("integration", "production")), name="environment"),
        sa.CheckConstraint(
            _enum_check("connection_status", ("pending", "connected", "error", "disabled")), name="connection_status"
        ),
        sa.CheckConstraint("tenant_id > 0", name="tenant_id_positive"),
        sa.CheckConstraint("length(btrim(company_name)) > 0", name="company_name_not_blank"),
        sa.CheckConstraint("length(btrim(airflow_conn_id)) > 0", name="airflow_conn_id_not_blank"),
    )
    op.create_index("ix_servicetitan_credentials_company_id", "servicetitan_credentials", ["company_id"])

    op.create_table(
        "servicetitan_sync_logs",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("credential_id", UUID(as_uuid=True), nullable=False),
        sa.Column("sync_type", sa.String(16), nullable=False),
        sa.Column("data_type", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="running"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("records_processed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("records_successful", sa.Integer, nullable=False, server_default="0"),
        sa.Column("records_failed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error_message", sa.Text),
        sa.Column("error_details", JSONB),
        sa.Column("processing_time_seconds", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_servicetitan_sync_logs"),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["servicetitan_credentials.id"],
            ondelete="CASCADE",
            name="fk_servicetitan_sync_logs_credential_id",
        ),
        sa.CheckConstraint(_enum_check("sync_type", ("manual", "scheduled")), name="sync_type"),
        sa.CheckConstraint(_enum_check("data_type", ("invoices", "customers", "both")), name="data_type"),
        sa.CheckConstraint(_enum_check("status", ("running", "completed", "failed")), name="status"),
        sa.CheckConstraint("records_processed >= 0", name="records_processed_non_negative"),
        sa.CheckConstraint("records_successful >= 0", name="records_successful_non_negative"),
        sa.CheckConstraint("records_failed >= 0", name="records_failed_non_negative"),
        sa.CheckConstraint(
            "records_successful + records_failed <= records_processed", name="records_outcomes_within_processed"
        ),
        sa.CheckConstraint("(status = 'running') = (completed_at IS NULL)", name="completed_at_iff_finished"),
        sa.CheckConstraint("completed_at IS NULL OR completed_at >= started_at", name="completed_after_started"),
        sa.CheckConstraint(
            "processing_time_seconds IS NULL OR processing_time_seconds >= 0", name="processing_time_non_negative"
        ),
        sa.CheckConstraint(
            "error_details IS NULL OR jsonb_typeof(error_details) = 'object'", name="error_details_is_object"
        ),
    )
    op.create_index(
        "ix_servicetitan_sync_logs_credential_started",
        "servicetitan_sync_logs",
        ["credential_id", sa.text("started_at DESC")],
    )
    op.create_index(
        "ix_servicetitan_sync_logs_recent_failures",
        "servicetitan_sync_logs",
        ["started_at", "credential_id"],
        postgresql_where=sa.text("status = 'failed'"),
    )
    op.create_index(
        "ix_servicetitan_sync_logs_last_success",
        "servicetitan_sync_logs",
        ["credential_id", sa.text("completed_at DESC")],
        postgresql_where=sa.text("status = 'completed'"),
    )
    op.create_index(
        "ix_servicetitan_sync_logs_running",
        "servicetitan_sync_logs",
        ["started_at"],
        postgresql_where=sa.text("status = 'running'"),
    )
    op.create_index("ix_servicetitan_sync_logs_started_at", "servicetitan_sync_logs", ["started_at"])


def downgrade() -> None:
    op.drop_table("servicetitan_sync_logs")
    op.drop_table("servicetitan_credentials")
