"""Dashboard views: sync health, credential health, API performance, data quality.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

from servicetitan_pipeline.db.migration_sql import migration_sql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

REVISION = "0004_dashboard_views"
# View -> its file in migrations/sql/0004_dashboard_views
VIEWS = {
    "servicetitan_dashboard_sync_daily": "create_view_dashboard_sync_daily",
    "servicetitan_dashboard_credential_health": "create_view_dashboard_credential_health",
    "servicetitan_dashboard_api_performance": "create_view_dashboard_api_performance",
    "servicetitan_dashboard_data_quality": "create_view_dashboard_data_quality",
}


def upgrade() -> None:
    for sql_name in VIEWS.values():
        op.execute(migration_sql(REVISION, sql_name))


def downgrade() -> None:
    for view in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {view}")
