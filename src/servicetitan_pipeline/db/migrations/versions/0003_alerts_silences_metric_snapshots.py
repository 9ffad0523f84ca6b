"""Alerts with their notification state, silences, metric snapshots.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "servicetitan_alerts",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("credential_id", UUID(as_uuid=True)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("details", JSONB),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True)),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("send_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("pending_notification", sa.String(16)),
        sa.PrimaryKeyConstraint("key", name="pk_servicetitan_alerts"),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["servicetitan_credentials.id"],
            ondelete="CASCADE",
            name="fk_servicetitan_alerts_credential_id",
        ),
        sa.CheckConstraint("state IN ('firing', 'resolved')", name="state"),
        sa.CheckConstraint("severity IN ('high', 'medium', 'low')", name="severity"),
        sa.CheckConstraint(
            "pending_notification IS NULL OR pending_notification IN ('firing', 'resolved')",
            name="pending_notification",
        ),
    )
    op.create_index(
        "ix_servicetitan_alerts_pending",
        "servicetitan_alerts",
        ["pending_notification"],
        postgresql_where=sa.text("pending_notification IS NOT NULL"),
    )
    op.create_table(
        "servicetitan_alert_silences",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("key_prefix", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(120)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_servicetitan_alert_silences"),
        sa.CheckConstraint("expires_at > created_at", name="expires_after_created"),
    )
    op.create_table(
        "servicetitan_metric_snapshots",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("tags", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.PrimaryKeyConstraint("id", name="pk_servicetitan_metric_snapshots"),
    )
    op.create_index(
        "ix_servicetitan_metric_snapshots_name_collected",
        "servicetitan_metric_snapshots",
        ["name", "collected_at"],
    )


def downgrade() -> None:
    op.drop_table("servicetitan_metric_snapshots")
    op.drop_table("servicetitan_alert_silences")
    op.drop_table("servicetitan_alerts")
