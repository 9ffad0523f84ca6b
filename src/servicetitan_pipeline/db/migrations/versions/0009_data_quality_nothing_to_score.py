"""A validation of no records has no score: ``servicetitan_data_quality_results.score`` is NULL exactly when
``total_records`` is 0 ("nothing to score"), never 100. Results already stored with 0 records and 100 lose
their score.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLE = "servicetitan_data_quality_results"
CHECK = "ck_servicetitan_data_quality_results_score_only_with_records"


def upgrade() -> None:
    op.alter_column(TABLE, "score", existing_type=sa.Numeric(5, 2), nullable=True)
    op.execute(f"UPDATE {TABLE} SET score = NULL WHERE total_records = 0")
    op.create_check_constraint(op.f(CHECK), TABLE, "(score IS NULL) = (total_records = 0)")


def downgrade() -> None:
    op.drop_constraint(op.f(CHECK), TABLE, type_="check")
    # 0008's schema cannot say "nothing to score": it had 100 there.
    op.execute(f"UPDATE {TABLE} SET score = 100 WHERE score IS NULL")
    op.alter_column(TABLE, "score", existing_type=sa.Numeric(5, 2), nullable=False)
