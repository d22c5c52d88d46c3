"""A database as a new install has it, for tests that check nothing gets created in it."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from bench.year.seed import seed
from tests.conftest import POSTGRES_ADMIN_DSN


@asynccontextmanager
async def fresh_database(kind: str, folder: Path) -> AsyncIterator[str]:
    """An SQLite file not there yet (in `folder`), or an empty PostgreSQL database of its own."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'oncall.db'}"
        return
    name = f"oncall_fresh_{uuid.uuid4().hex[:10]}"
    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=3)
    except OSError as exc:
        pytest.skip(f"PostgreSQL is not reachable at 127.0.0.1:5432 ({exc})")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def seeded_year(kind: str, folder: Path, *, scale: float) -> AsyncIterator[str]:
    """A fresh database of `kind` with a year of bench/year in it, `scale` times the issue's size."""
    async with fresh_database(kind, folder) as url:
        await seed(url, scale=scale, say=lambda _line: None)
        yield url


async def created(url: str, folder: Path) -> list[str]:
    """What is in the fresh database now: files beside the SQLite one, or PostgreSQL tables."""
    if url.startswith("sqlite"):
        return sorted(os.listdir(folder))
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"), timeout=3)
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return [row["tablename"] for row in rows]
    finally:
        await connection.close()
