"""reports: people's time zones from users.info (on-call load), and reports posted like SLO digests

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


_DIGEST_TABLES = ("slo_digests", "slo_digest_runs")


def upgrade() -> None:
    op.add_column("slack_users", sa.Column("tz", sa.String(), nullable=True))
    # A posted report is a digest of another kind: the same cron, once-per-run and catch-up rows.
    for table in _DIGEST_TABLES:
        op.add_column(table, sa.Column("kind", sa.String(), nullable=False, server_default="slo"))
        op.add_column(table, sa.Column("options", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in _DIGEST_TABLES:
        op.drop_column(table, "options")
        op.drop_column(table, "kind")
    op.drop_column("slack_users", "tz")
