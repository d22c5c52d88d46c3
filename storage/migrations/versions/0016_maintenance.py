"""maintenance windows and the alerts they hold

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 00:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("matchers", sa.JSON(), nullable=False),
        sa.Column("starts_at", _AT, nullable=False),
        sa.Column("ends_at", _AT, nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=True),
        sa.Column("mirror_silence", sa.Boolean(), nullable=False),
        sa.Column("silence_id", sa.Integer(), nullable=True),
        sa.Column("rollup_ts", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("ended_by", sa.String(), nullable=True),
        sa.Column("ended_at", _AT, nullable=True),
        sa.ForeignKeyConstraint(["silence_id"], ["silences.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "starts_at", name="uq_maintenance_name_starts_at"),
    )
    op.create_index("ix_maintenance_state_ends_at", "maintenance_windows", ["state", "ends_at"])
    op.create_table(
        "maintenance_held",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("held_at", _AT, nullable=False),
        sa.Column("released_at", _AT, nullable=True),
        sa.ForeignKeyConstraint(["window_id"], ["maintenance_windows.id"]),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("window_id", "alert_id", name="uq_maintenance_held_window_alert"),
    )
    op.create_index("ix_maintenance_held_window_id", "maintenance_held", ["window_id"])


def downgrade() -> None:
    op.drop_index("ix_maintenance_held_window_id", table_name="maintenance_held")
    op.drop_table("maintenance_held")
    op.drop_index("ix_maintenance_state_ends_at", table_name="maintenance_windows")
    op.drop_table("maintenance_windows")
