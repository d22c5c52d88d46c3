"""Year-sized databases for a benchmark run: a copy of a cached seeded one, so a run seeds each at most once.

SQLite: a copy of the cached file (seed.py). PostgreSQL: a database made from a template seeded once
and kept between runs (named by seeder version and schema head), as `CREATE DATABASE … TEMPLATE`
copies files rather than rows; the run's copy is dropped after it.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from bench.databases import POSTGRES_HOST, Backend, admin
from bench.year.seed import cache_name, seed, seeded_sqlite

Say = Callable[[str], None]


@asynccontextmanager
async def year_sqlite(folder: Path, *, scale: float, say: Say) -> AsyncIterator[Backend]:
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    path = folder / "year.db"
    seeding = await seeded_sqlite(path, scale=scale, say=say)
    say(f"year-sized SQLite: {seeding.summary() if seeding else 'copied from the cache'}")
    yield Backend("SQLite", f"sqlite+aiosqlite:///{path}")


@asynccontextmanager
async def year_postgres(*, scale: float, say: Say) -> AsyncIterator[Backend]:
    template = f"oncall_bench_{cache_name(scale)}"
    try:
        await _ensure_template(template, scale, say)
    except (OSError, asyncpg.PostgresError) as exc:
        yield Backend("PostgreSQL", None, skipped=f"skipped: PostgreSQL unreachable ({type(exc).__name__})")
        return
    name = f"oncall_bench_{secrets.token_hex(4)}"
    await admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield Backend("PostgreSQL", f"postgresql+asyncpg://postgres@{POSTGRES_HOST}/{name}")
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _ensure_template(template: str, scale: float, say: Say) -> None:
    connection = await asyncpg.connect(f"postgresql://postgres@{POSTGRES_HOST}/postgres", timeout=3)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", template)
        older = await connection.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE 'oncall\\_bench\\_year\\_%' AND datname <> $1", template
        )
    finally:
        await connection.close()
    if exists:
        say(f"year-sized PostgreSQL: copied from the template {template}")
        return
    for (stale,) in older:  # another day's, seeder's or schema's: the disk it holds is all it is good for
        if stale.endswith("_partial"):  # another run's, perhaps still seeding: it drops its own when it starts again
            continue
        await admin(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
    # Seeded under another name and renamed once complete: a run killed meanwhile leaves no half template.
    partial = f"{template}_partial"
    await admin(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)')
    await admin(f'CREATE DATABASE "{partial}"')
    seeding = await seed(f"postgresql+asyncpg://postgres@{POSTGRES_HOST}/{partial}", scale=scale, say=say)
    await admin(f'ALTER DATABASE "{partial}" RENAME TO "{template}"')
    say(f"year-sized PostgreSQL: {seeding.summary()}")
