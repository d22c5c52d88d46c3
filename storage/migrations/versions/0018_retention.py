"""indexes by time on processed_events and slo_evaluations, so retention's batches find their rows cheaply

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 03:00:00
"""

from __future__ import annotations

from storage.migrations.online import create_index_online, drop_index_online

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Both tables take writes all day (every Slack event, every evaluation tick) and are big on a database
    # that ran before retention: built online, so neither write waits for the build (online.py).
    create_index_online("ix_processed_events_received_at", "processed_events", ["received_at"])
    create_index_online("ix_slo_evaluations_at", "slo_evaluations", ["at"])


def downgrade() -> None:
    drop_index_online("ix_slo_evaluations_at", "slo_evaluations")
    drop_index_online("ix_processed_events_received_at", "processed_events")
