"""Slack's rate budgets in the database, shared by replicas

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pacing_budgets",
        sa.Column("budget", sa.String(), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("blocked_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("budget"),
    )


def downgrade() -> None:
    op.drop_table("pacing_budgets")
