"""The schema comes from Alembic on both databases, and `db upgrade` is safe to repeat."""

from __future__ import annotations

from sqlalchemy import inspect

from storage import migrate
from storage.engine import Database


async def test_fresh_database_is_migrated_to_head_with_every_table(database: Database) -> None:
    assert await migrate.current_revision(database) == migrate.head_revision()
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert {"incidents", "roles", "timeline_entries", "processed_events", "outbox"} <= tables


async def test_upgrading_an_up_to_date_database_changes_nothing(database: Database) -> None:
    await migrate.upgrade(database)
    await migrate.upgrade(database)
    assert await migrate.is_current(database)
