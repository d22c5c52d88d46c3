"""paging: escalations, the pages they sent, and who acknowledged an incident

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("incidents", sa.Column("acknowledged_by", sa.String(), nullable=True))
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("repeat", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("next_at", _AT, nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("started_by", sa.String(), nullable=False),
        sa.Column("started_at", _AT, nullable=False),
        sa.Column("stopped_by", sa.String(), nullable=True),
        sa.Column("stopped_at", _AT, nullable=True),
        sa.Column("ack_timeout_seconds", sa.Integer(), nullable=True),
        sa.Column("rearm_at", _AT, nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_escalations_due", "escalations", ["state", "next_at"])
    op.create_index("ix_escalations_incident_id", "escalations", ["incident_id"])
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("via", sa.String(), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalations.id"]),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pages_escalation_id", "pages", ["escalation_id"])
    op.create_index("ix_pages_incident_id", "pages", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_pages_incident_id", table_name="pages")
    op.drop_index("ix_pages_escalation_id", table_name="pages")
    op.drop_table("pages")
    op.drop_index("ix_escalations_incident_id", table_name="escalations")
    op.drop_index("ix_escalations_due", table_name="escalations")
    op.drop_table("escalations")
    op.drop_column("incidents", "acknowledged_by")
