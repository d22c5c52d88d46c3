"""The database as the command line and the health checks use it: opened, migrated, inspected, probed.

Handlers never import storage: what they need of it is here, and its errors are in bot.errors.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.errors import StoreUnavailable
from storage import migrate
from storage.engine import Database, is_sqlite, is_unreachable
from storage.errors import describe
from storage.migrate import Schema, head_revision, inspect, is_known, newer_than_code, require_current
from storage.queries.retention import TableStats
from storage.queries.retention import table_stats as _table_stats

__all__ = [
    "Database",
    "Schema",
    "TableStats",
    "head_revision",
    "inspect",
    "is_known",
    "is_sqlite",
    "newer_than_code",
    "opened",
    "readiness",
    "require_current",
    "table_stats",
    "upgrade",
]


async def upgrade(url: str) -> str | None:
    """Apply the pending migrations to the database at `url`; the migration it is at afterwards."""
    database = Database(url)
    try:
        await migrate.upgrade(database)
        return await migrate.current_revision(database)
    finally:
        await database.dispose()


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[Database]:
    """The database at `url` for a command: it must exist at the current migration (nothing is created)."""
    await require_current(url)
    database = Database(url)
    try:
        yield database
    finally:
        await database.dispose()


async def readiness(database: Database) -> str | None:
    """What keeps the database from taking the bot's work, as /readyz words it; None when nothing does."""
    try:
        await database.ping()
        current = await migrate.is_current(database)
    except Exception as exc:  # any failure to reach the database means: not ready
        reason = "unreachable" if is_unreachable(exc) else "failing"
        return f"{reason}: {exc.cause if isinstance(exc, StoreUnavailable) else type(exc).__name__}"
    if not current:
        return "migrations pending"
    try:
        await database.probe_write()
    except Exception as exc:  # reads work, writes do not: the bot would acknowledge and lose things
        return describe(exc)
    return None


async def table_stats(database: Database) -> tuple[list[TableStats], int]:
    """Rows and bytes on disk of each table, and of the whole database, for `oncall-bot db stats`."""
    async with database.reading() as session:
        return await _table_stats(session)
