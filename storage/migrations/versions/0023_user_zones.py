"""people's time zones from users.info, for the on-call load of reports

Revision ID: 0023
Revises: 0016
Create Date: 2026-12-04 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("slack_users", sa.Column("tz", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("slack_users", "tz")
