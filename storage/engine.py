"""The async engine and sessions; SQLite gets WAL, write transactions that wait their turn and reads that don't.

What fails in a session, a ping or a probe leaves here as StoreUnavailable (storage/errors.py), never as
the driver's error.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import is_unreachable, translated
from storage.tables import ProcessedEvent
from storage.types import utcnow

__all__ = ["POOL_SIZE", "Database", "is_sqlite", "is_unreachable"]


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


_READING = "oncall_reading"
_WRITE_PROBE = "oncall:write-probe"
POOL_SIZE = 15


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, record: Any, state: Any) -> None:
        # In place of the pool's rollback on every return (pool_reset_on_return=None): sessions end their
        # own transactions, so only a connection given back mid-transaction (a cancelled request) needs
        # one, and sqlite3 knows without a round trip to aiosqlite's thread, which costs ~200 µs each.
        if not state.asyncio_safe:
            return
        if record is None or record.driver_connection is None or record.driver_connection.in_transaction:
            dbapi_connection.rollback()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred transaction that reads and then writes can fail with SQLITE_BUSY at once,
        # ignoring busy_timeout; taking the write lock up front makes writers queue instead.
        # Reads never write, and under WAL they see a snapshot beside the writer: no lock to take.
        reading = connection.get_execution_options().get(_READING, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


class Database:
    """One engine per process, and the sessions made from it."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        # A fixed pool, no overflow: an overflow connection is opened for one checkout and closed after it,
        # so under a burst of concurrent reads every checkout paid for a new connection (and, with
        # aiosqlite, a new thread) and /incident list acked 20 times slower. Past POOL_SIZE, requests queue.
        options: dict[str, Any] = {"echo": echo, "pool_size": POOL_SIZE, "max_overflow": 0}
        if is_sqlite(url):
            options.update(pool_reset_on_return=None)  # see _on_reset
        else:
            options.update(pool_pre_ping=True)
        with translated():
            self.engine = create_async_engine(url, **options)
        if is_sqlite(url):
            _configure_sqlite(self.engine)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._readers = async_sessionmaker(
            self.engine.execution_options(**{_READING: True}), class_=AsyncSession, expire_on_commit=False
        )
        # SQLite runs one write transaction at a time anyway; queueing for it here is first come,
        # first served, where SQLite's own busy handler polls with growing sleeps and can starve a
        # request past its sender's timeout in a burst (seen with 300 concurrent Alertmanager posts).
        self._sqlite_turn = asyncio.Lock() if is_sqlite(url) else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits at the end of the block, or rolls back on error."""
        with translated():
            if self._sqlite_turn is None:
                async with self._sessions() as session, session.begin():
                    yield session
                return
            async with self._sqlite_turn, self._sessions() as session, session.begin():
                yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A transaction that only reads: on SQLite it runs beside the writer instead of waiting its turn.

        It sees the database as of its first query. Writing in it fails on SQLite (SQLITE_BUSY) whenever
        another transaction is writing, so anything that may write uses `transaction()`.
        """
        with translated():
            async with self._readers() as session, session.begin():
                yield session

    async def ping(self, *, within: float = 2.0) -> None:
        """Raise unless the database answers a trivial query within `within` seconds."""
        with translated():
            async with asyncio.timeout(within), self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

    async def probe_write(self, *, within: float = 2.0) -> None:
        """Raise unless a row can be written and committed: a read-only or full database still answers reads."""
        with translated():
            await self._probe_write(within)

    async def _probe_write(self, within: float) -> None:
        async with asyncio.timeout(within), self.transaction() as session:
            # A real row, committed: only a commit reaches the disk and shows that it is full. An upsert,
            # so probes running at once (several load balancers, replicas) queue instead of conflicting.
            insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
            upsert = insert(ProcessedEvent).values(event_id=_WRITE_PROBE, received_at=utcnow())
            await session.exec(
                upsert.on_conflict_do_update(
                    index_elements=["event_id"], set_={"received_at": upsert.excluded.received_at}
                )
            )

    async def dispose(self) -> None:
        await self.engine.dispose()
