"""timeline_entries: an index that counts an incident's visible entries and messages without reading them

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 03:10:00
"""

from __future__ import annotations

from storage.migrations.online import create_index_online, drop_index_online

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # On a year's 2,000,000 entries the web pages' message counts and the timelines' "N entries" read
    # every entry of the incidents shown (10 to 30 ms on SQLite); covered by this index they read none
    # (about 3 ms; bench/year). Built in one transaction, it kept timeline writes out for 2.5 s on a
    # year-sized PostgreSQL database (docs/benchmarks.md); built online, messages keep being captured.
    create_index_online(
        "ix_timeline_entries_visible", "timeline_entries", ["incident_id", "kind", "is_deleted", "has_original"]
    )


def downgrade() -> None:
    drop_index_online("ix_timeline_entries_visible", "timeline_entries")
