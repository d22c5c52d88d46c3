"""heartbeats: when each configured heartbeat last checked in, and whether its alert is raised

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "heartbeats",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("last_beat_at", _AT, nullable=True),
        sa.Column("watched_from", _AT, nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("paused_by", sa.String(), nullable=True),
        sa.Column("paused_at", _AT, nullable=True),
        sa.Column("raised", sa.Boolean(), nullable=False),
        sa.Column("raised_at", _AT, nullable=True),
        sa.Column("silent_since", _AT, nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("heartbeats")
