"""Monitoring at 10M sync-log rows: indexes for the dashboard and alert queries, and dashboard views a day
filter reaches.

- ``ix_servicetitan_sync_logs_last_failure`` (credential_id, started_at DESC) WHERE status = 'failed': the
  last failure of each credential (dashboard credential health) in one probe, also for credentials that
  never failed (without it, the whole failures index was scanned for each of them).
- ``ix_servicetitan_sync_logs_started_day`` and ``ix_servicetitan_data_quality_results_validated_day``
  on the UTC day: the dashboard filters the day views by day.
- ``servicetitan_dashboard_sync_daily`` and ``servicetitan_dashboard_data_quality`` rewritten as one
  aggregate over one UNION ALL (same columns, same figures): a filter on day is pushed into every branch,
  where 0006's views aggregated the whole history before filtering.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from servicetitan_pipeline.db.migration_sql import migration_sql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

REVISION = "0007_monitoring_indexes"
PREVIOUS = "0006_sync_log_daily_aggregates"  # whose views these replace
# View -> its file here and in the previous revision
VIEWS = {
    "servicetitan_dashboard_sync_daily": "create_view_dashboard_sync_daily",
    "servicetitan_dashboard_data_quality": "create_view_dashboard_data_quality",
}


def upgrade() -> None:
    op.create_index(
        "ix_servicetitan_sync_logs_last_failure",
        "servicetitan_sync_logs",
        ["credential_id", sa.text("started_at DESC")],
        postgresql_where=sa.text("status = 'failed'"),
    )
    op.create_index(
        "ix_servicetitan_sync_logs_started_day",
        "servicetitan_sync_logs",
        [sa.text("((started_at AT TIME ZONE 'UTC')::date)")],
    )
    op.create_index(
        "ix_servicetitan_data_quality_results_validated_day",
        "servicetitan_data_quality_results",
        [sa.text("((validated_at AT TIME ZONE 'UTC')::date)")],
    )
    for view, sql_name in VIEWS.items():
        op.execute(f"DROP VIEW {view}")
        op.execute(migration_sql(REVISION, sql_name))


def downgrade() -> None:
    for view, sql_name in VIEWS.items():
        op.execute(f"DROP VIEW {view}")
        op.execute(migration_sql(PREVIOUS, sql_name))
    op.drop_index("ix_servicetitan_data_quality_results_validated_day", "servicetitan_data_quality_results")
    op.drop_index("ix_servicetitan_sync_logs_started_day", "servicetitan_sync_logs")
    op.drop_index("ix_servicetitan_sync_logs_last_failure", "servicetitan_sync_logs")
