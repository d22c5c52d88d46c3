"""Fixtures shared by every test: a clean environment and a migrated database on each backend."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from bot.settings import Settings
from storage import migrate
from storage.engine import Database
from tests.blocking import no_blocking_calls

POSTGRES_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"
# Read before the environment is cleared: CI must run the PostgreSQL half, not skip it.
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SETTING_NAMES = tuple(name.upper() for name in Settings.model_fields)
# Every table, so no test sees another's rows (a new table is included without anyone remembering to).
TABLES = ", ".join(table.name for table in SQLModel.metadata.sorted_tables)


@pytest.fixture(autouse=True)
def blocking_calls_fail() -> Iterator[None]:
    """A test whose code blocks the event loop fails (tests/blocking.py): one such call stalls every request."""
    with no_blocking_calls():
        yield


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real token or a developer's .env leaks into a test."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await migrate.upgrade(database)
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=3)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """One database for this test run, migrated once; tests empty its tables between them."""
    name = f"oncall_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        reason = f"PostgreSQL is not reachable at 127.0.0.1:5432 ({exc}); start it to run the PostgreSQL tests"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    asyncio.run(_migrate(url))
    yield url
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate(url: str) -> None:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"), timeout=3)
    try:
        await connection.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "oncall.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    asyncio.run(_truncate(url))
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()
