"""Rows into a database in bulk: executemany through SQLAlchemy Core on SQLite, COPY through asyncpg on PostgreSQL.

Both go through the real tables of storage/tables, so a value is stored as the bot would store it
(SQLAlchemy's own conversions on SQLite; on PostgreSQL COPY takes the native values, JSON as text).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager
from itertools import islice
from typing import Any

import asyncpg
from sqlalchemy import JSON, Integer, Table, create_engine, event, insert
from sqlalchemy.engine import Engine

from storage.engine import is_sqlite

CHUNK = 20_000


class Writer:
    """Appends rows to one database's tables; `finish` sets PostgreSQL's id sequences past the ids given."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._connection: asyncpg.Connection | None = None

    async def append(self, table: Table, rows: Iterable[dict[str, Any]]) -> int:
        written = 0
        for chunk in _batched(rows, CHUNK):
            if self._connection is not None:
                await self._copy(table, chunk)
            else:
                await asyncio.to_thread(self._insert, table, chunk)
            written += len(chunk)
        return written

    def _insert(self, table: Table, chunk: tuple[dict[str, Any], ...]) -> None:
        assert self._engine is not None
        with self._engine.begin() as connection:
            connection.execute(insert(table), list(chunk))

    async def _copy(self, table: Table, chunk: tuple[dict[str, Any], ...]) -> None:
        assert self._connection is not None
        # Columns a seeder leaves out take their defaults, as in the SQLite path's INSERT.
        names = [column.name for column in table.columns if column.name in chunk[0]]
        as_json = {column.name for column in table.columns if isinstance(column.type, JSON)}
        records = [tuple(json.dumps(row[name]) if name in as_json else row[name] for name in names) for row in chunk]
        await self._connection.copy_records_to_table(table.name, records=records, columns=names)

    async def finish(self, tables: Iterable[Table]) -> None:
        if self._connection is None:
            return
        for table in tables:
            if "id" in table.columns and isinstance(table.columns["id"].type, Integer):
                await self._connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                )
        # Fresh statistics, as autovacuum would have after a year: the planner must not see empty tables.
        await self._connection.execute("ANALYZE")


@asynccontextmanager
async def writer(url: str) -> AsyncIterator[Writer]:
    opened = Writer(url)
    if is_sqlite(url):
        opened._engine = _sqlite_engine(url)
        try:
            yield opened
        finally:
            with opened._engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
            opened._engine.dispose()
        return
    opened._connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        yield opened
    finally:
        await opened._connection.close()


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url.replace("sqlite+aiosqlite", "sqlite"))

    @event.listens_for(engine, "connect")
    def _fast(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # A seeding that dies is seeded again from nothing: no need to survive a power cut meanwhile.
        dbapi_connection.execute("PRAGMA synchronous = OFF")
        dbapi_connection.execute("PRAGMA journal_mode = WAL")

    return engine


def _batched(rows: Iterable[dict[str, Any]], size: int) -> Iterator[tuple[dict[str, Any], ...]]:
    iterator = iter(rows)
    while chunk := tuple(islice(iterator, size)):
        yield chunk
