"""alert rollups: one message per alerts channel for the groups of a storm

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("message_channel_id", sa.String(), nullable=True),
        sa.Column("message_ts", sa.String(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_rollups_channel_joined", "alert_rollups", ["channel", "last_joined_at"], unique=False)

    # Plain ADD COLUMN, not batch mode: on SQLite batch mode copies the table, and dropping the old
    # copy fails while alerts point at it.
    op.add_column("alert_groups", sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot add a constraint to a table, but takes a REFERENCES clause on a column it adds.
        op.execute("ALTER TABLE alert_groups ADD COLUMN rollup_id INTEGER REFERENCES alert_rollups (id)")
    else:
        op.add_column(
            "alert_groups", sa.Column("rollup_id", sa.Integer(), sa.ForeignKey("alert_rollups.id"), nullable=True)
        )
    op.create_index("ix_alert_groups_rollup_id", "alert_groups", ["rollup_id"], unique=False)
    op.create_index("ix_alert_groups_channel_posted", "alert_groups", ["channel", "posted_at"], unique=False)
    # A group without an incident has had (or has pending) its own message; so has one whose message
    # was posted before its incident opened. They keep their messages through the next storm.
    op.execute("UPDATE alert_groups SET posted_at = created_at WHERE incident_id IS NULL OR message_ts IS NOT NULL")


def downgrade() -> None:
    op.drop_index("ix_alert_groups_channel_posted", table_name="alert_groups")
    op.drop_index("ix_alert_groups_rollup_id", table_name="alert_groups")
    op.drop_column("alert_groups", "rollup_id")  # SQLite drops a column with a REFERENCES clause too
    op.drop_column("alert_groups", "posted_at")
    op.drop_index("ix_alert_rollups_channel_joined", table_name="alert_rollups")
    op.drop_table("alert_rollups")
