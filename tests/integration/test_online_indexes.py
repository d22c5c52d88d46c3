"""`db upgrade` builds the indexes of migrations 0018 and 0019 online: on PostgreSQL the bot's writes to the
table go on while an index is built, and a build cut off halfway is done again by the next upgrade; on both
databases an install at 0017 keeps its rows and gets the indexes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import inspect, text

from storage import migrate
from storage.engine import Database
from storage.errors import StoreUnavailable
from tests.integration.test_upgrade_keeps_data import AT, empty_url  # noqa: F401  (the fixture)

INDEXES = {
    "processed_events": "ix_processed_events_received_at",
    "slo_evaluations": "ix_slo_evaluations_at",
    "timeline_entries": "ix_timeline_entries_visible",
}
INCIDENT = (
    "INSERT INTO incidents (id, title, severity, status, summary, impact, declared_by, declared_at, updated_at)"
    f" VALUES (7, 'Checkout down', 'SEV2', 'investigating', '', '', 'U1', '{AT}', '{AT}')"
)
# What the bot writes all day to each table an index is built on; `n` keeps the rows apart.
WRITES = {
    "processed_events": "INSERT INTO processed_events (event_id, received_at) VALUES ('Ev{n}', now())",
    "timeline_entries": (
        "INSERT INTO timeline_entries (incident_id, at, kind, author, text, is_edited, is_deleted, has_original,"
        " is_pinned, highlight_reactions, highlighted) VALUES (7, now(), 'note', 'U1', 'entry {n}', false, false,"
        " true, false, 0, false)"
    ),
}
# The migration that builds each table's index, and the one before it.
BUILT_BY = {"processed_events": "0017", "timeline_entries": "0018"}


@pytest.fixture
async def database(empty_url: str) -> AsyncIterator[Database]:  # noqa: F811
    database = Database(empty_url)
    yield database
    await database.dispose()


def _dsn(database: Database) -> str:
    return database.url.replace("postgresql+asyncpg", "postgresql")


async def _execute(database: Database, *statements: str) -> None:
    async with database.engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


async def _count(database: Database, table: str) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def _indexes(database: Database) -> dict[str, bool]:
    """Each of the three indexes found → whether queries can use it (always, on SQLite)."""
    async with database.engine.connect() as connection:
        found = await connection.run_sync(
            lambda sync: {index["name"] for table in INDEXES for index in inspect(sync).get_indexes(table)}
        )
        if database.dialect != "postgresql":
            return {name: True for name in INDEXES.values() if name in found}
        rows = await connection.execute(
            text(
                "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE c.relname = ANY(:names)"
            ),
            {"names": list(INDEXES.values())},
        )
        return {name: valid for name, valid in rows}


async def _building(admin: asyncpg.Connection, table: str) -> int:
    """The backend building an index on `table`, once it has started (the build waits for the open write)."""
    for _ in range(600):
        pid = await admin.fetchval("SELECT pid FROM pg_stat_progress_create_index WHERE relid = to_regclass($1)", table)
        if pid is not None:
            return int(pid)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no index build on {table} started")


async def test_an_install_at_0017_keeps_its_rows_and_gets_every_index(database: Database) -> None:
    await migrate.upgrade(database, revision="0017")
    await _execute(
        database,
        INCIDENT,
        WRITES["timeline_entries"].format(n=1).replace("now()", f"'{AT}'"),
        WRITES["processed_events"].format(n=1).replace("now()", f"'{AT}'"),
    )

    await migrate.upgrade(database)
    await migrate.upgrade(database)  # again: nothing left to do

    assert await migrate.is_current(database)
    assert await _indexes(database) == dict.fromkeys(INDEXES.values(), True)
    assert [await _count(database, table) for table in ("incidents", "timeline_entries", "processed_events")] == [
        1,
        1,
        1,
    ]


@pytest.mark.postgresql_only
@pytest.mark.parametrize("empty_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("table", ["processed_events", "timeline_entries"])
async def test_writes_with_a_short_lock_timeout_go_through_while_the_index_is_built(
    database: Database, table: str
) -> None:
    await migrate.upgrade(database, revision=BUILT_BY[table])
    await _execute(database, INCIDENT)
    holder, writer, admin = [await asyncpg.connect(_dsn(database)) for _ in range(3)]
    try:
        # A write still open when the upgrade starts: the build waits for it, and so lasts as long as the test wants.
        await holder.execute("BEGIN")
        await holder.execute(WRITES[table].format(n=1))
        upgrading = asyncio.create_task(migrate.upgrade(database))
        await _building(admin, table)

        await writer.execute("SET lock_timeout = '500ms'")
        for n in range(2, 5):  # each its own transaction, as the bot's writes are
            await writer.execute(WRITES[table].format(n=n))
        assert not upgrading.done()  # the writes went through during the build, not after it

        await holder.execute("COMMIT")
        await upgrading
    finally:
        for connection in (holder, writer, admin):
            await connection.close()
    assert await migrate.is_current(database)
    assert (await _indexes(database))[INDEXES[table]] is True
    assert await _count(database, table) == 4


@pytest.mark.postgresql_only
@pytest.mark.parametrize("empty_url", ["postgresql"], indirect=True)
async def test_a_build_cut_off_halfway_is_done_again_by_the_next_upgrade(database: Database) -> None:
    await migrate.upgrade(database, revision="0018")
    await _execute(database, INCIDENT, WRITES["timeline_entries"].format(n=1))
    holder, admin = [await asyncpg.connect(_dsn(database)) for _ in range(2)]
    try:
        await holder.execute("BEGIN")
        await holder.execute(WRITES["timeline_entries"].format(n=2))
        upgrading = asyncio.create_task(migrate.upgrade(database))
        # What a restart of PostgreSQL, or a network cut, does to the upgrade's connection mid-build.
        await admin.execute("SELECT pg_terminate_backend($1)", await _building(admin, "timeline_entries"))
        with pytest.raises(StoreUnavailable):
            await upgrading
        await holder.execute("COMMIT")
    finally:
        for connection in (holder, admin):
            await connection.close()
    assert await migrate.current_revision(database) == "0018"
    assert (await _indexes(database))["ix_timeline_entries_visible"] is False  # left behind, unusable

    await migrate.upgrade(database)

    assert await migrate.is_current(database)
    assert (await _indexes(database))["ix_timeline_entries_visible"] is True
    assert await _count(database, "timeline_entries") == 2


@pytest.mark.postgresql_only
@pytest.mark.parametrize("empty_url", ["postgresql"], indirect=True)
async def test_a_replica_starting_during_an_online_build_waits_for_it_and_finds_nothing_to_do(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="oncall.db")
    await migrate.upgrade(database, revision="0018")
    await _execute(database, INCIDENT)
    other = Database(database.url)
    holder, admin = [await asyncpg.connect(_dsn(database)) for _ in range(2)]
    try:
        await holder.execute("BEGIN")
        await holder.execute(WRITES["timeline_entries"].format(n=1))
        first = asyncio.create_task(migrate.upgrade(database))
        await _building(admin, "timeline_entries")
        second = asyncio.create_task(migrate.upgrade(other))
        for _ in range(600):  # until the second has been refused the migration lock
            if "another replica is migrating the database; waiting for it" in caplog.messages:
                break
            await asyncio.sleep(0.05)
        assert not first.done() and not second.done()

        await holder.execute("COMMIT")
        await asyncio.gather(first, second)  # neither failed: a replica waiting in pg_advisory_lock did
    finally:
        for connection in (holder, admin):
            await connection.close()
        await other.dispose()
    assert await migrate.is_current(database)
    assert (await _indexes(database))["ix_timeline_entries_visible"] is True
