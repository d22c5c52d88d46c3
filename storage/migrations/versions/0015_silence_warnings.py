"""silences: when the channel was told that the silence ends soon, and when its end was shown

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 23:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("silences", sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("silences", sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("silences", "ended_at")
    op.drop_column("silences", "warned_at")
