"""Synced customers and invoices, export checkpoints.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _credential_key(table: str) -> list[Any]:
    return [
        sa.Column("credential_id", UUID(as_uuid=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["servicetitan_credentials.id"], ondelete="CASCADE", name=f"fk_{table}_credential_id"
        ),
    ]


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("raw", JSONB, nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "servicetitan_customers",
        *_credential_key("servicetitan_customers"),
        sa.Column("id", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("name", sa.Text),
        sa.Column("customer_type", sa.String(32)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("balance", sa.Numeric(14, 2)),
        sa.Column("merged_to_id", sa.BigInteger),
        sa.Column("city", sa.Text),
        sa.Column("state", sa.Text),
        sa.Column("zip", sa.Text),
        sa.Column("created_on", sa.DateTime(timezone=True)),
        sa.Column("modified_on", sa.DateTime(timezone=True), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("credential_id", "id", name="pk_servicetitan_customers"),
    )
    op.create_index(
        "ix_servicetitan_customers_credential_modified", "servicetitan_customers", ["credential_id", "modified_on"]
    )
    op.create_table(
        "servicetitan_invoices",
        *_credential_key("servicetitan_invoices"),
        sa.Column("id", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("customer_id", sa.BigInteger),
        sa.Column("reference_number", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("invoice_date", sa.DateTime(timezone=True)),
        sa.Column("due_date", sa.DateTime(timezone=True)),
        sa.Column("sub_total", sa.Numeric(14, 2)),
        sa.Column("sales_tax", sa.Numeric(14, 2)),
        sa.Column("total", sa.Numeric(14, 2)),
        sa.Column("balance", sa.Numeric(14, 2)),
        sa.Column("created_on", sa.DateTime(timezone=True)),
        sa.Column("modified_on", sa.DateTime(timezone=True)),
        *_timestamps(),
        sa.PrimaryKeyConstraint("credential_id", "id", name="pk_servicetitan_invoices"),
    )
    op.create_index(
        "ix_servicetitan_invoices_credential_customer", "servicetitan_invoices", ["credential_id", "customer_id"]
    )
    op.create_index(
        "ix_servicetitan_invoices_credential_modified", "servicetitan_invoices", ["credential_id", "modified_on"]
    )
    op.create_table(
        "servicetitan_sync_checkpoints",
        *_credential_key("servicetitan_sync_checkpoints"),
        sa.Column("resource", sa.String(16), nullable=False),
        sa.Column("continue_from", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("credential_id", "resource", name="pk_servicetitan_sync_checkpoints"),
    )


def downgrade() -> None:
    op.drop_table("servicetitan_sync_checkpoints")
    op.drop_table("servicetitan_invoices")
    op.drop_table("servicetitan_customers")
