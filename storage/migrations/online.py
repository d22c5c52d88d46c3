"""Indexes that migrations build without keeping writers out of a busy table.

A plain CREATE INDEX holds a SHARE lock, which refuses INSERT and UPDATE, until the migration commits:
seconds on a year's `alerts` or `timeline_entries` (docs/benchmarks.md). On PostgreSQL these helpers build
and drop `CONCURRENTLY`, which writers go on beside. That cannot run inside a transaction, so it runs in
Alembic's autocommit block, which commits what the migration did before it: storage.migrate runs each
migration in a transaction of its own and holds its lock on the session, not in a transaction.

A concurrent build that is interrupted (the process killed, the connection cut) leaves its index INVALID:
no query uses it, yet every write keeps it up to date, and IF NOT EXISTS would take it for done. The next
upgrade runs the migration again (its revision was not recorded), and the index is dropped and built anew.

On SQLite, where one process uses the file, a plain CREATE INDEX.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

__all__ = ["create_index_online", "drop_index_online"]


def create_index_online(name: str, table: str, columns: Sequence[str]) -> None:
    """Create the index unless a usable one of that name exists; on PostgreSQL without blocking writes."""
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(name, table, list(columns), unique=False, if_not_exists=True)
        return
    with op.get_context().autocommit_block():
        if _is_invalid(name):
            op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
        op.create_index(name, table, list(columns), unique=False, postgresql_concurrently=True, if_not_exists=True)


def drop_index_online(name: str, table: str) -> None:
    """Drop the index if it exists; on PostgreSQL without blocking writes."""
    if op.get_bind().dialect.name != "postgresql":
        op.drop_index(name, table_name=table, if_exists=True)
        return
    with op.get_context().autocommit_block():
        op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)


def _is_invalid(name: str) -> bool:
    """Whether an index of that name exists and is left unusable by a build that did not finish."""
    found = op.get_bind().execute(
        text("SELECT NOT (indisvalid AND indisready) FROM pg_index WHERE indexrelid = to_regclass(:name)"),
        {"name": name},
    )
    return bool(found.scalar())
