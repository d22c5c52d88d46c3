"""silences: made from Slack, kept with their Alertmanager id; alert groups acknowledged

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "silences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alertmanager", sa.String(), nullable=False),
        sa.Column("matchers", sa.JSON(), nullable=False),
        sa.Column("starts_at", _AT, nullable=False),
        sa.Column("ends_at", _AT, nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("comment", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("am_silence_id", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("expired_by", sa.String(), nullable=True),
        sa.Column("expired_at", _AT, nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.ForeignKeyConstraint(["group_id"], ["alert_groups.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_silences_state_ends_at", "silences", ["state", "ends_at"])
    op.create_index("ix_silences_incident_id", "silences", ["incident_id"])
    op.create_index("ix_silences_group_id", "silences", ["group_id"])
    # Acknowledge on an alert group's post that has no incident.
    op.add_column("alert_groups", sa.Column("acknowledged_by", sa.String(), nullable=True))
    op.add_column("alert_groups", sa.Column("acknowledged_at", _AT, nullable=True))


def downgrade() -> None:
    op.drop_column("alert_groups", "acknowledged_at")
    op.drop_column("alert_groups", "acknowledged_by")
    op.drop_index("ix_silences_group_id", table_name="silences")
    op.drop_index("ix_silences_incident_id", table_name="silences")
    op.drop_index("ix_silences_state_ends_at", table_name="silences")
    op.drop_table("silences")
