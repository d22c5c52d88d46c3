"""Schema migrations with Alembic, run on the bot's own async engine."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.engine import Database

# Alembic finds the package resource through importlib.resources: the installed package carries it (package data).
MIGRATIONS = "storage:migrations"
# Any constant works; it only has to be the same for every replica of the bot.
_MIGRATION_LOCK_ID = 0x0C0A11


class DatabaseNewerThanCode(Exception):
    """The database was migrated by a newer version of the bot."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def _current(sync_connection: Any) -> str | None:
    return MigrationContext.configure(sync_connection).get_current_revision()


async def current_revision(database: Database) -> str | None:
    async with database.engine.connect() as connection:
        return await connection.run_sync(_current)


def _upgrade(sync_connection: Any, revision: str) -> None:
    config = _config()
    config.attributes["connection"] = sync_connection
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    current = _current(sync_connection)
    if current is not None and current not in known:
        raise DatabaseNewerThanCode(
            f"the database is at migration {current}, which this version of oncall-bot does not know; "
            "upgrade oncall-bot"
        )
    command.upgrade(config, revision)


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema to `revision`; replicas starting together migrate one at a time."""
    async with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            # Held until this transaction ends, so the others wait and then find nothing to do.
            await connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        await connection.run_sync(_upgrade, revision)


async def is_current(database: Database) -> bool:
    return await current_revision(database) == head_revision()
