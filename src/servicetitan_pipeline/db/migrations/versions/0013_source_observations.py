"""What each sync observed of its source, for anomaly detection: volumes per sync and resource
(``servicetitan_sync_volumes``), per credential and resource the records profiled and the newest
``modifiedOn`` (``servicetitan_resource_profiles``), and the fields and JSON types seen in the raw records
(``servicetitan_source_fields``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

RESOURCE_CHECK = "resource IN ('customers', 'invoices')"


def _credential_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["credential_id"], ["servicetitan_credentials.id"], ondelete="CASCADE", name=f"fk_{table}_credential_id"
    )


def upgrade() -> None:
    op.create_table(
        "servicetitan_sync_volumes",
        sa.Column("sync_log_id", UUID(as_uuid=True), nullable=False),
        sa.Column("resource", sa.String(16), nullable=False),
        sa.Column("credential_id", UUID(as_uuid=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("records_new", sa.Integer, nullable=False, server_default="0"),
        sa.Column("records_changed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("records_unchanged", sa.Integer, nullable=False, server_default="0"),
        sa.Column("newest_modified_on", sa.DateTime(timezone=True)),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("freshness_lag_seconds", sa.Float),
        sa.PrimaryKeyConstraint("sync_log_id", "resource", name="pk_servicetitan_sync_volumes"),
        sa.ForeignKeyConstraint(
            ["sync_log_id"],
            ["servicetitan_sync_logs.id"],
            ondelete="CASCADE",
            name="fk_servicetitan_sync_volumes_sync_log_id",
        ),
        _credential_fk("servicetitan_sync_volumes"),
        sa.CheckConstraint(RESOURCE_CHECK, name="resource"),
        sa.CheckConstraint(
            "records_new >= 0 AND records_changed >= 0 AND records_unchanged >= 0", name="counts_non_negative"
        ),
        sa.CheckConstraint("freshness_lag_seconds IS NULL OR completed_at IS NOT NULL", name="lag_when_completed"),
    )
    op.create_index(
        "ix_servicetitan_sync_volumes_credential_resource_started",
        "servicetitan_sync_volumes",
        ["credential_id", "resource", "started_at"],
    )
    op.create_index("ix_servicetitan_sync_volumes_started", "servicetitan_sync_volumes", ["started_at"])
    op.create_table(
        "servicetitan_resource_profiles",
        sa.Column("credential_id", UUID(as_uuid=True), nullable=False),
        sa.Column("resource", sa.String(16), nullable=False),
        sa.Column("records_profiled", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("first_profiled_at", sa.DateTime(timezone=True)),
        sa.Column("last_profiled_at", sa.DateTime(timezone=True)),
        sa.Column("last_profiled_sync_log_id", UUID(as_uuid=True)),
        sa.Column("newest_modified_on", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("credential_id", "resource", name="pk_servicetitan_resource_profiles"),
        _credential_fk("servicetitan_resource_profiles"),
        sa.CheckConstraint(RESOURCE_CHECK, name="resource"),
    )
    op.create_table(
        "servicetitan_source_fields",
        sa.Column("credential_id", UUID(as_uuid=True), nullable=False),
        sa.Column("resource", sa.String(16), nullable=False),
        sa.Column("field", sa.String(200), nullable=False),
        sa.Column("json_type", sa.String(8), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_seen_sync_log_id", UUID(as_uuid=True)),
        sa.Column("last_seen_sync_log_id", UUID(as_uuid=True)),
        sa.Column("occurrences", sa.BigInteger, nullable=False),
        sa.Column("records_profiled_at_last_seen", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint(
            "credential_id", "resource", "field", "json_type", name="pk_servicetitan_source_fields"
        ),
        _credential_fk("servicetitan_source_fields"),
        sa.CheckConstraint(RESOURCE_CHECK, name="resource"),
        sa.CheckConstraint("json_type IN ('string', 'number', 'boolean', 'object', 'array', 'null')", name="json_type"),
        sa.CheckConstraint("occurrences > 0", name="occurrences_positive"),
    )


def downgrade() -> None:
    op.drop_table("servicetitan_source_fields")
    op.drop_table("servicetitan_resource_profiles")
    op.drop_table("servicetitan_sync_volumes")
