"""SLOs: evaluations, pushed events, weekly digests; incidents gain the service they affect

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("incidents", sa.Column("service", sa.String(), nullable=True))
    op.create_index(op.f("ix_incidents_service"), "incidents", ["service"], unique=False)
    op.create_table(
        "slo_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slo", sa.String(), nullable=False),
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("objective", sa.Float(), nullable=False),
        sa.Column("window_seconds", sa.Integer(), nullable=False),
        sa.Column("good", sa.Float(), nullable=True),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("attainment", sa.Float(), nullable=True),
        sa.Column("budget_remaining", sa.Float(), nullable=True),
        sa.Column("burn_rates", sa.JSON(), nullable=False),
        sa.Column("fast_burn", sa.Boolean(), nullable=False),
        sa.Column("fast_burn_since", _AT, nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_slo_evaluations_slo_at", "slo_evaluations", ["slo", "at"], unique=False)
    op.create_table(
        "slo_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slo", sa.String(), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("good", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("received_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_slo_events_slo_at", "slo_events", ["slo", "at"], unique=False)
    op.create_table(
        "slo_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("config_key", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("cron", sa.String(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("cancelled_at", _AT, nullable=True),
        sa.Column("last_run_at", _AT, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("config_key"),
    )
    op.create_table(
        "slo_digest_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("start", _AT, nullable=False),
        sa.Column("end", _AT, nullable=False),
        sa.Column("requested_by", sa.String(), nullable=True),
        sa.Column("chart_file_id", sa.String(), nullable=True),
        sa.Column("message_channel_id", sa.String(), nullable=True),
        sa.Column("message_ts", sa.String(), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(["digest_id"], ["slo_digests.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("slo_digest_runs")
    op.drop_table("slo_digests")
    op.drop_index("ix_slo_events_slo_at", table_name="slo_events")
    op.drop_table("slo_events")
    op.drop_index("ix_slo_evaluations_slo_at", table_name="slo_evaluations")
    op.drop_table("slo_evaluations")
    op.drop_index(op.f("ix_incidents_service"), table_name="incidents")
    op.drop_column("incidents", "service")
