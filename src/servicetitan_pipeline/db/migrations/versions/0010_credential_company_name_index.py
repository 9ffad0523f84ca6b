"""Onboarding at thousands of credentials: ``ix_servicetitan_credentials_company_name_lower`` on
lower(company_name), which onboarding probes to give a company's second tenant the company's id. Without
it each onboarding scanned every credential, so onboarding n tenants cost O(n²).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEX = "ix_servicetitan_credentials_company_name_lower"


def upgrade() -> None:
    op.create_index(INDEX, "servicetitan_credentials", [sa.text("lower(company_name)")])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="servicetitan_credentials")
