"""`db upgrade` of a new migration on the year-sized PostgreSQL database: how long it keeps writers out.

The migration is made here, not in storage/migrations: a column on `incidents` and two indexes, on
`alerts` and on `timeline_entries`, of the kind retention and a year of growth ask for. It is applied to
the run's copy twice. First as the migrations used to be written (the baseline): Alembic's operations in
one transaction. Then, once that is undone, the way `oncall-bot db upgrade` applies one now
(storage/migrate.py: under the migration lock held on the session, the migration in its own transaction,
its indexes built by storage/migrations/online.py, CONCURRENTLY, and the column last). Meanwhile one
connection samples pg_locks every few milliseconds for the locks the migration holds that block writes
(INSERT and UPDATE take ROW EXCLUSIVE, which SHARE and stronger refuse), and another writes a timeline
entry and touches an alert again and again, timing each write: a lock is held until the transaction
commits, so it lasts from first seen to the commit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import asyncpg
import sqlalchemy as sa
from alembic import op
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.report import Row
from bench.webhooks import Say
from storage import migrate
from storage.migrations.online import create_index_online
from storage.types import UTCDateTime

NAME = "Year-sized database: `db upgrade` of a new migration"
BUSY = ("incidents", "timeline_entries", "alerts", "alert_groups", "outbox")
BLOCKING_WRITES = ("ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock")
TARGET_SECONDS = 1.0
SAMPLE_SECONDS = 0.005


def _in_transaction(sync_connection: Any) -> None:
    operations = Operations(MigrationContext.configure(sync_connection))
    # Indexes first: with the column first, its ACCESS EXCLUSIVE lock on `incidents` was held while the
    # index waited for `timeline_entries`, where a timeline INSERT waited for `incidents` (its foreign
    # key): PostgreSQL found the deadlock and aborted the migration (seen on the first trial run).
    operations.create_index("ix_alerts_status_ends_at", "alerts", ["status", "ends_at"])
    operations.create_index("ix_timeline_entries_incident_kind", "timeline_entries", ["incident_id", "kind"])
    operations.add_column("incidents", sa.Column("archived_at", UTCDateTime(), nullable=True))


def _online(sync_connection: Any) -> None:
    # As storage/migrations/env.py configures Alembic, and as it runs each migration: in a transaction of its own.
    context = MigrationContext.configure(sync_connection, opts={"transaction_per_migration": True})
    with Operations.context(context), context.begin_transaction(_per_migration=True):
        create_index_online("ix_alerts_status_ends_at", "alerts", ["status", "ends_at"])
        create_index_online("ix_timeline_entries_incident_kind", "timeline_entries", ["incident_id", "kind"])
        op.add_column("incidents", sa.Column("archived_at", UTCDateTime(), nullable=True))


UNDO = (
    "DROP INDEX ix_alerts_status_ends_at",
    "DROP INDEX ix_timeline_entries_incident_kind",
    "ALTER TABLE incidents DROP COLUMN archived_at",
)


async def measure(url: str, say: Say) -> Row:
    plain = await _apply(url, _in_transaction, locked=False)
    await _undo(url)
    online = await _apply(url, _online, locked=True)
    longest = max(online.locks.values(), default=0.0)
    say(f"migration: online {online.summary()}; in one transaction {plain.summary()}")
    return Row(
        NAME,
        "PostgreSQL",
        goal=f"writes blocked < {TARGET_SECONDS:.0f} s",
        goal_met=max(longest, online.longest_write) < TARGET_SECONDS,
        notes=[f"as db upgrade applies it (indexes built online): {online.summary()}",
               f"baseline, all in one transaction as the migrations were written: {plain.summary()}"],
    )  # fmt: skip


async def _undo(url: str) -> None:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        for statement in UNDO:
            await connection.execute(statement)
    finally:
        await connection.close()


class _Applied:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.locks: dict[str, float] = {}  # busy table → how long a write-blocking lock was held on it
        self.longest_write = 0.0  # the slowest of the probe's writes meanwhile
        self.writes = 0

    def summary(self) -> str:
        held = ", ".join(f"{table} {seconds:.2f} s" for table, seconds in sorted(self.locks.items())) or "none"
        return (
            f"took {self.seconds:.1f} s; write-blocking locks held: {held}; "
            f"slowest of {self.writes} writes meanwhile {self.longest_write * 1000:.0f} ms"
        )


async def _apply(url: str, migration: Callable[[Any], None], *, locked: bool) -> _Applied:
    applied = _Applied()
    dsn = url.replace("postgresql+asyncpg", "postgresql")
    engine = create_async_engine(url)
    done = asyncio.Event()
    first_seen: dict[str, float] = {}
    try:
        async with engine.connect() as connection:
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await connection.commit()
            sampler = asyncio.create_task(_sample(dsn, pid, first_seen, done))
            writer = asyncio.create_task(_write(dsn, applied, done))
            try:
                await asyncio.sleep(0.2)  # both running before the migration starts
                started = time.perf_counter()
                if locked:
                    async with migrate.migration_lock(connection):
                        await connection.run_sync(migration)
                else:
                    await connection.run_sync(migration)
                    await connection.commit()
                ended = time.perf_counter()
            finally:
                done.set()
                await asyncio.gather(sampler, writer)
    finally:
        await engine.dispose()
    applied.seconds = ended - started
    applied.locks = {table: ended - seen for table, seen in first_seen.items()}
    return applied


async def _sample(dsn: str, pid: int, first_seen: dict[str, float], done: asyncio.Event) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        while not done.is_set():
            rows = await connection.fetch(
                "SELECT relation::regclass::text AS name FROM pg_locks WHERE pid = $1 AND granted "
                "AND locktype = 'relation' AND mode = ANY($2::text[])",
                pid,
                list(BLOCKING_WRITES),
            )
            now = time.perf_counter()
            for row in rows:
                if row["name"] in BUSY:
                    first_seen.setdefault(row["name"], now)
            await asyncio.sleep(SAMPLE_SECONDS)
    finally:
        await connection.close()


async def _write(dsn: str, applied: _Applied, done: asyncio.Event) -> None:
    """What the bot does all day: a message on a timeline, an alert received again."""
    connection = await asyncpg.connect(dsn)
    try:
        while not done.is_set():
            started = time.perf_counter()
            # Each its own transaction, as the bot's writes are: none holds a lock while it waits for another.
            await connection.execute(
                "INSERT INTO timeline_entries (incident_id, at, kind, author, text, is_edited, is_deleted, "
                "has_original, is_pinned, highlight_reactions, highlighted) "
                "VALUES (1, now(), 'note', 'U0PROBE', 'probe', false, false, true, false, 0, false)"
            )
            await connection.execute("UPDATE alerts SET fired_count = fired_count + 1 WHERE id = 1")
            applied.longest_write = max(applied.longest_write, time.perf_counter() - started)
            applied.writes += 1
            await asyncio.sleep(0.02)
    finally:
        await connection.close()
