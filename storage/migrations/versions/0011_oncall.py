"""on-call schedules: overrides, cover requests, schedule state, announcements, calendars, e-mail lookups

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "oncall_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.String(), nullable=False),
        sa.Column("people", sa.JSON(), nullable=False),
        sa.Column("start_at", _AT, nullable=False),
        sa.Column("end_at", _AT, nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("removed_at", _AT, nullable=True),
        sa.Column("removed_by", sa.String(), nullable=True),
        sa.Column("cover_request_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_oncall_overrides_schedule_end", "oncall_overrides", ["schedule", "end_at"])
    op.create_table(
        "oncall_cover_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.String(), nullable=False),
        sa.Column("start_at", _AT, nullable=False),
        sa.Column("end_at", _AT, nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("asked", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("accepted_by", sa.String(), nullable=True),
        sa.Column("override_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "oncall_schedule_states",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("definition_hash", sa.String(), nullable=False),
        sa.Column("announced_people", sa.JSON(), nullable=True),
        sa.Column("announced_at", _AT, nullable=True),
        sa.Column("calendar_token", sa.String(), nullable=False),
        sa.Column("usergroups_unavailable", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "oncall_announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("schedule", "kind", "at", "subject", name="uq_oncall_announcement"),
    )
    op.create_table(
        "oncall_calendars",
        sa.Column("location", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=True),
        sa.Column("fetched_at", _AT, nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("location"),
    )
    op.create_table(
        "oncall_emails",
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=True),
        sa.Column("looked_up_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("email"),
    )


def downgrade() -> None:
    for table in ("oncall_emails", "oncall_calendars", "oncall_announcements", "oncall_schedule_states"):
        op.drop_table(table)
    op.drop_table("oncall_cover_requests")
    op.drop_index("ix_oncall_overrides_schedule_end", table_name="oncall_overrides")
    op.drop_table("oncall_overrides")
