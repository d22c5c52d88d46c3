"""alerts, alert groups, incident origin, outbox lanes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: on SQLite batch mode copies the table, and dropping the old
    # copy fails while timeline entries and roles point at it.
    op.add_column("incidents", sa.Column("announce_channel", sa.String(), nullable=True))
    # Incidents that exist already were all declared by people.
    op.add_column("incidents", sa.Column("origin", sa.String(), nullable=False, server_default="slack"))
    op.add_column("incidents", sa.Column("team", sa.String(), nullable=True))
    op.add_column("incidents", sa.Column("is_storm", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("incidents", sa.Column("alerts_ts", sa.String(), nullable=True))
    op.create_index("ix_incidents_origin_declared", "incidents", ["origin", "declared_at"], unique=False)

    op.add_column("outbox", sa.Column("lane", sa.String(), nullable=True))
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.create_index("ix_outbox_pending", "outbox", ["state", "lane", "id"], unique=False)
    # Pending entries keep their order: each incident's entries form its lane.
    op.execute("UPDATE outbox SET lane = 'incident:' || incident_id WHERE incident_id IS NOT NULL")

    op.create_table(
        "alert_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("group_key", sa.String(), nullable=False),
        sa.Column("team", sa.String(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("message_channel_id", sa.String(), nullable=True),
        sa.Column("message_ts", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "group_key", name="uq_alert_group"),
    )
    with op.batch_alter_table("alert_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_groups_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("annotations", sa.JSON(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("runbook_url", sa.String(), nullable=True),
        sa.Column("severity", sa.String(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("generator_url", sa.String(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("fired_count", sa.Integer(), nullable=False),
        sa.Column("first_received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["alert_groups.id"]),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "fingerprint", name="uq_alert_source_fingerprint"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_incident_id"), ["incident_id"], unique=False)


def downgrade() -> None:
    op.drop_table("alerts")
    op.drop_table("alert_groups")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.create_index("ix_outbox_pending", "outbox", ["state", "incident_id", "id"], unique=False)
    op.drop_column("outbox", "lane")
    op.drop_index("ix_incidents_origin_declared", table_name="incidents")
    for column in ("alerts_ts", "is_storm", "team", "origin", "announce_channel"):
        op.drop_column("incidents", column)
