"""Fresh, empty databases for a target to migrate and use, and counting what it stored."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.report import Row

POSTGRES_HOST = "127.0.0.1:5432"
# The test suite's database: `make test` documents it, so it exists wherever PostgreSQL is set up for us.
POSTGRES_ADMIN_DATABASES = ("postgres", "test")


@dataclass(frozen=True)
class Backend:
    name: str  # as shown in the results table
    url: str | None  # None: unavailable, see `skipped`
    skipped: str | None = None


@asynccontextmanager
async def sqlite(folder: Path) -> AsyncIterator[Backend]:
    """A new file in `folder`; the runner removes the folder with the rest of the run's files."""
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    yield Backend("SQLite", f"sqlite+aiosqlite:///{folder / 'oncall.db'}")


@asynccontextmanager
async def postgres() -> AsyncIterator[Backend]:
    """A database created for this run and dropped after it, or a skipped backend if PostgreSQL is unreachable."""
    name = f"oncall_bench_{secrets.token_hex(4)}"
    try:
        await admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as exc:
        yield Backend("PostgreSQL", None, skipped=f"skipped: PostgreSQL unreachable ({type(exc).__name__})")
        return
    try:
        yield Backend("PostgreSQL", f"postgresql+asyncpg://postgres@{POSTGRES_HOST}/{name}")
    finally:
        # FORCE: a target killed mid-run may leave its connections behind for a moment.
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def each(workdir: Path) -> list[Callable[[], AbstractAsyncContextManager[Backend]]]:
    """The databases every benchmark runs on, in order: a fresh SQLite file, then PostgreSQL if reachable."""
    return [lambda: sqlite(workdir / "sqlite"), postgres]


async def row_each(
    workdir: Path, name: str, say: Callable[[str], None], measure: Callable[[Backend], Awaitable[Row]]
) -> list[Row]:
    """One row per database: `measure`'s, or a skipped row `name` where the database is unavailable."""
    rows = []
    for backend_context in each(workdir):
        async with backend_context() as backend:
            if backend.url is None:
                say(f"bot on {backend.name}: {backend.skipped}")
                rows.append(Row(name, backend.name, skipped=backend.skipped))
                continue
            rows.append(await measure(backend))
    return rows


async def count_rows(url: str, table: str) -> int:
    """Counted through a connection of our own, not the target's: what is committed, not what it believes."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
    finally:
        await engine.dispose()


async def fetch(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Every row `sql` selects, through a connection of our own."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(text(sql))]
    finally:
        await engine.dispose()


@asynccontextmanager
async def reader(url: str) -> AsyncIterator[Callable[[str], Awaitable[int]]]:
    """One connection of our own for polling: `await read("SELECT count(*) …")` is the integer it selects."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:

            async def read(sql: str) -> int:
                value = int((await connection.execute(text(sql))).scalar_one())
                await connection.rollback()  # a fresh snapshot next time, and no lock held in between
                return value

            yield read
    finally:
        await engine.dispose()


async def admin(sql: str) -> None:
    """Run `sql` (CREATE or DROP DATABASE) on an admin database of the local PostgreSQL."""
    last: Exception | None = None
    for database in POSTGRES_ADMIN_DATABASES:
        try:
            connection = await asyncpg.connect(f"postgresql://postgres@{POSTGRES_HOST}/{database}", timeout=3)
        except asyncpg.InvalidCatalogNameError as exc:  # this admin database does not exist: try the next
            last = exc
            continue
        try:
            await connection.execute(sql)
            return
        finally:
            await connection.close()
    assert last is not None
    raise last
