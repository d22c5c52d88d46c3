"""Schema migrations with Alembic, run on the bot's own async engine.

A database that cannot be reached or read raises StoreUnavailable, as everywhere in storage.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from storage.engine import Database, is_sqlite
from storage.errors import DatabaseNewerThanCode, DatabaseNotReady, translated

__all__ = ["DatabaseNewerThanCode", "DatabaseNotReady", "Schema"]

# Alembic finds the package resource through importlib.resources: the installed package carries it (package data).
MIGRATIONS = "storage:migrations"
# Any constant works; it only has to be the same for every replica of the bot.
_MIGRATION_LOCK_ID = 0x0C0A11
# How often a replica asks again for the migration lock while another one migrates.
_LOCK_RETRY_SECONDS = 0.2
# PostgreSQL's SQLSTATE for "database does not exist"
_INVALID_CATALOG = "3D000"
log = logging.getLogger("oncall.db")


@dataclass(frozen=True)
class Schema:
    """What a database holds, learnt without creating anything."""

    where: str  # the URL, password hidden
    found: bool  # the SQLite file or the PostgreSQL database exists
    revision: str | None  # None: no oncall-bot tables yet


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return config


# The scripts ship with the code and never change while it runs: read from disk once, not on every /readyz.
@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


@cache
def _known_revisions() -> frozenset[str]:
    return frozenset(script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions())


async def _scripts() -> tuple[frozenset[str], str]:
    """Every revision this code has, and its head; in a thread, since the first look reads each script."""
    return await asyncio.to_thread(lambda: (_known_revisions(), head_revision()))


def is_known(revision: str) -> bool:
    """Whether this version of oncall-bot has the migration (a newer one may have migrated further)."""
    return revision in _known_revisions()


def _quiet_alembic() -> None:
    # Alembic narrates each step (and every revision read) at INFO; an operator needs only what changed,
    # which upgrade() logs. Its own lines show when LOG_LEVEL=DEBUG.
    logging.getLogger("alembic").setLevel(logging.INFO if log.isEnabledFor(logging.DEBUG) else logging.WARNING)


def _current(sync_connection: Any) -> str | None:
    _quiet_alembic()
    return MigrationContext.configure(sync_connection).get_current_revision()


async def current_revision(database: Database) -> str | None:
    with translated():
        async with database.engine.connect() as connection:
            return await connection.run_sync(_current)


def newer_than_code(revision: str) -> DatabaseNewerThanCode:
    return DatabaseNewerThanCode(
        f"the database is at migration {revision}, which this version of oncall-bot does not know; upgrade oncall-bot"
    )


def _upgrade(sync_connection: Any, revision: str) -> tuple[str | None, str | None]:
    config = _config()
    config.attributes["connection"] = sync_connection
    before = _current(sync_connection)
    if before is not None and not is_known(before):
        raise newer_than_code(before)
    if sync_connection.dialect.name == "postgresql":
        # Reading the revision began a transaction; end it, so that Alembic runs each migration in a
        # transaction of its own, which a migration building an index online commits (storage/migrations/online.py).
        sync_connection.commit()
    command.upgrade(config, revision)
    return before, _current(sync_connection)


@contextlib.asynccontextmanager
async def migration_lock(connection: AsyncConnection) -> AsyncIterator[None]:
    """Hold PostgreSQL's migration lock on this connection's session, outside any transaction, until the block ends.

    A session lock, not a transaction's, since the migrations it guards commit as they go (an index built
    online commits). It is asked for without waiting, and again until it is free: a replica waiting inside
    `pg_advisory_lock` holds a snapshot, which the migrating replica's index built CONCURRENTLY waits for
    while that replica waits for the lock, and PostgreSQL ends the deadlock by failing one of them.
    """
    if not await _try_lock(connection):
        log.info("another replica is migrating the database; waiting for it")
        # Polled: the lock is another server process's, which no Event here can learn of.
        while True:
            await asyncio.sleep(_LOCK_RETRY_SECONDS)
            if await _try_lock(connection):
                break
    try:
        yield
    finally:
        if not connection.invalidated:  # else its session ended, and the lock with it
            await _unlock(connection)


async def _try_lock(connection: AsyncConnection) -> bool:
    taken = await connection.scalar(text("SELECT pg_try_advisory_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
    await connection.commit()  # the lock is the session's: end the transaction that asked
    return bool(taken)


async def _unlock(connection: AsyncConnection) -> None:
    try:
        await connection.rollback()
        await connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK_ID})
        await connection.commit()
    except DBAPIError:
        # The connection failed (often what failed the migration): closing its session releases the lock,
        # where returning it to the pool still holding it would keep every replica waiting.
        await connection.invalidate()


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema to `revision`; replicas starting together migrate one at a time."""
    with translated():
        if database.dialect == "postgresql":
            async with database.engine.connect() as connection, migration_lock(connection):
                # The others wait for the lock, and then find nothing to do.
                before, after = await connection.run_sync(_upgrade, revision)
        else:
            # One process uses SQLite: every migration in one transaction.
            async with database.engine.begin() as connection:
                before, after = await connection.run_sync(_upgrade, revision)
    if before is None and after is not None:
        log.info("database created at migration %s", after)
    elif before != after:
        log.info("database migrated from %s to %s", before, after)


async def is_current(database: Database) -> bool:
    _, head = await _scripts()
    return await current_revision(database) == head


def _sqlite_schema(where: str, path: str) -> Schema:
    if path in ("", ":memory:") or not Path(path).is_file():
        return Schema(where, found=False, revision=None)
    # Read-only URI connection: the file is read as it is, and nothing is added beside it.
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return Schema(where, found=True, revision=_current(connection))
    finally:
        engine.dispose()


async def inspect(url: str) -> Schema:
    """The database's migration, read without creating the file, the database or any table.

    Raises StoreUnavailable when the server cannot be reached.
    """
    with translated():
        return await _inspect(url)


async def _inspect(url: str) -> Schema:
    parsed = make_url(url)
    where = parsed.render_as_string(hide_password=True)
    if is_sqlite(url):
        return await asyncio.to_thread(_sqlite_schema, where, parsed.database or "")
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return Schema(where, found=True, revision=await connection.run_sync(_current))
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == _INVALID_CATALOG:
            return Schema(where, found=False, revision=None)
        raise
    finally:
        await engine.dispose()


async def require_current(url: str) -> None:
    """For commands that only read: stop with one line, creating nothing, unless the schema is current."""
    schema = await inspect(url)
    if not schema.found and not is_sqlite(url):
        raise DatabaseNotReady(
            f"no database at {schema.where}: create it (createdb), then run `oncall-bot db upgrade` or start the bot"
        )
    if schema.revision is None:
        raise DatabaseNotReady(
            f"no oncall-bot database at {schema.where}: run `oncall-bot db upgrade` or start the bot first"
        )
    known, head = await _scripts()
    if schema.revision not in known:
        raise newer_than_code(schema.revision)
    if schema.revision != head:
        raise DatabaseNotReady(
            f"the database at {schema.where} is at migration {schema.revision}, this oncall-bot needs "
            f"{head}: run `oncall-bot db upgrade` or start the bot"
        )
