"""Each credential's last success and last failure kept up to date, so monitoring never reads the sync log
for them (the stale-sync rule and the credential-health view searched the log's B-tree, so they slowed as
the log grew).

- ``servicetitan_credential_sync_summary``: per credential, the latest completed sync (completed_at, id) and
  the latest failed one (started_at, id).
- Triggers on ``servicetitan_sync_logs`` keep it in the transaction of every write, whoever makes it (the
  sync, the stale-running sweep, ``close_abandoned``, retention, a credential's cascade, plain SQL): a finished
  row is one upsert; only a change to, or the deletion of, the row the summary points at reads the log again.
- Backfilled from the log; ``servicetitan_dashboard_credential_health`` reads the summary (same columns).

The triggers are created before the backfill in this migration's transaction: CREATE TRIGGER locks out the
log's writers until the commit, so no sync finishes between the backfill and the triggers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from servicetitan_pipeline.db.migration_sql import migration_sql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

REVISION = "0008_credential_sync_summary"
SUMMARY = "servicetitan_credential_sync_summary"
VIEW = "servicetitan_dashboard_credential_health"
# The refresh first: the trigger functions call it.
FUNCTIONS = {
    "servicetitan_refresh_credential_sync_summary(uuid)": "create_function_refresh_credential_sync_summary",
    "servicetitan_follow_sync_log_row()": "create_function_follow_sync_log_row",
    "servicetitan_follow_deleted_sync_logs()": "create_function_follow_deleted_sync_logs",
    "servicetitan_forget_truncated_sync_logs()": "create_function_forget_truncated_sync_logs",
}
TRIGGERS = {
    "servicetitan_sync_log_row_summary": "create_trigger_sync_log_row_summary",
    "servicetitan_sync_log_delete_summary": "create_trigger_sync_log_delete_summary",
    "servicetitan_sync_log_truncate_summary": "create_trigger_sync_log_truncate_summary",
}


def upgrade() -> None:
    op.create_table(
        SUMMARY,
        sa.Column("credential_id", UUID(as_uuid=True), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True)),
        sa.Column("last_success_log_id", UUID(as_uuid=True)),
        sa.Column("last_failure_at", sa.DateTime(timezone=True)),
        sa.Column("last_failure_log_id", UUID(as_uuid=True)),
        sa.PrimaryKeyConstraint("credential_id", name=f"pk_{SUMMARY}"),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["servicetitan_credentials.id"], ondelete="CASCADE", name=f"fk_{SUMMARY}_credential_id"
        ),
        sa.CheckConstraint("(last_success_at IS NULL) = (last_success_log_id IS NULL)", name="last_success_with_log"),
        sa.CheckConstraint("(last_failure_at IS NULL) = (last_failure_log_id IS NULL)", name="last_failure_with_log"),
    )
    for sql_name in (*FUNCTIONS.values(), *TRIGGERS.values()):
        op.execute(migration_sql(REVISION, sql_name))
    op.execute(migration_sql(REVISION, "upsert_credential_sync_summaries"))
    op.execute(f"DROP VIEW {VIEW}")
    op.execute(migration_sql(REVISION, "create_view_dashboard_credential_health"))


def downgrade() -> None:
    op.execute(f"DROP VIEW {VIEW}")
    op.execute(migration_sql("0004_dashboard_views", "create_view_dashboard_credential_health"))
    for trigger in reversed(TRIGGERS):
        op.execute(f"DROP TRIGGER {trigger} ON servicetitan_sync_logs")
    for function in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION {function}")
    op.drop_table(SUMMARY)
