"""Dashboard views (ST-021): sync health, credential health, API performance, data quality.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

from servicetitan_pipeline.sql_files import load_sql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# View name -> include/sql/create_view_<suffix>.sql
VIEWS = {
    "servicetitan_dashboard_sync_daily": "create_view_dashboard_sync_daily",
    "servicetitan_dashboard_credential_health": "create_view_dashboard_credential_health",
    "servicetitan_dashboard_api_performance": "create_view_dashboard_api_performance",
    "servicetitan_dashboard_data_quality": "create_view_dashboard_data_quality",
}


def upgrade() -> None:
    for sql_name in VIEWS.values():
        op.execute(load_sql(sql_name))


def downgrade() -> None:
    for view in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {view}")
