"""Locks held for as long as a process lives, not a transaction: the scheduler's leadership.

On PostgreSQL it is a session advisory lock on a connection of its own: when the holder dies its
connection closes and the server releases the lock, so another replica can take it. On SQLite one
process uses the database, and it holds the lock from the start.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.engine import Database
from storage.errors import translated

LEADER_LOCK = 0x1EAD  # differs from the migration, ingestion and tick locks


class SessionLock:
    """One advisory lock, taken without waiting; failures of its connection raise StoreUnavailable."""

    def __init__(self, database: Database, key: int) -> None:
        self._database = database
        self._key = key
        self._connection: AsyncConnection | None = None

    @property
    def uncontested(self) -> bool:
        """No other process can ask for it (SQLite): it is always this one's, and nothing needs asking."""
        return self._database.dialect != "postgresql"

    async def acquire(self) -> bool:
        """Take the lock if nobody holds it; False if another process does."""
        if self.uncontested:
            return True
        async with self._guarded() as connection:
            acquired = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key})
            await connection.commit()  # the lock is the session's; end the transaction that took it
        return bool(acquired)

    async def confirm(self) -> None:
        """Raise unless the connection that took the lock still answers, and so still holds it."""
        if self.uncontested:
            return
        async with self._guarded() as connection:
            await connection.scalar(text("SELECT 1"))
            await connection.commit()

    async def release(self) -> bool:
        """Give the lock back and close its connection; whether it was given back (a dead connection can't)."""
        released = False
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
                released = True
        await self.close()
        return released

    async def close(self) -> None:
        """Close the lock's connection (the server releases what it held)."""
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None

    @contextlib.asynccontextmanager
    async def _guarded(self) -> AsyncIterator[AsyncConnection]:
        """The lock's connection, opened if need be, and closed if anything fails on it: what it held is gone."""
        try:
            with translated():
                if self._connection is None:
                    self._connection = await self._database.engine.connect()
                yield self._connection
        except Exception:
            await self.close()
            raise
