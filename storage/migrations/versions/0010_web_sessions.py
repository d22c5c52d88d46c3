"""web sessions: people signed in with Slack, and sign-ins under way

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("key_hash", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("last_seen_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("key_hash"),
    )
    op.create_index("ix_web_sessions_created_at", "web_sessions", ["created_at"])
    op.create_table(
        "web_sign_ins",
        sa.Column("state_hash", sa.String(), nullable=False),
        sa.Column("nonce", sa.String(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("state_hash"),
    )
    op.create_index("ix_web_sign_ins_created_at", "web_sign_ins", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_web_sign_ins_created_at", table_name="web_sign_ins")
    op.drop_table("web_sign_ins")
    op.drop_index("ix_web_sessions_created_at", table_name="web_sessions")
    op.drop_table("web_sessions")
