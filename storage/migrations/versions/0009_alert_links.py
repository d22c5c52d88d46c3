"""alert links: the dashboards, panels, silences and other pages a source links an alert to

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Alerts stored before keep showing their runbook and source link; they gain the rest when resent.
    op.add_column("alerts", sa.Column("links", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    op.drop_column("alerts", "links")
