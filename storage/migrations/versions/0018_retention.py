"""indexes by time on processed_events and slo_evaluations, so retention's batches find their rows cheaply

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 03:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_processed_events_received_at", "processed_events", ["received_at"], unique=False)
    op.create_index("ix_slo_evaluations_at", "slo_evaluations", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_slo_evaluations_at", table_name="slo_evaluations")
    op.drop_index("ix_processed_events_received_at", table_name="processed_events")
