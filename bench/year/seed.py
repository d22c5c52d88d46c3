"""Seed a year into a database migrated by the real migrations, and keep a seeded SQLite file for the next run."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.year import alerts, incidents, leftovers, slos
from bench.year.shape import SEEDER_VERSION, Year, now_rounded
from bench.year.writer import writer
from storage import migrate
from storage.engine import Database
from storage.tables import (
    Alert,
    AlertGroup,
    FollowUp,
    Incident,
    OutboxEntry,
    ProcessedEvent,
    Reminder,
    Role,
    SlackUser,
    SloEvaluation,
    SloEvent,
    TimelineEntry,
)

Say = Callable[[str], None]
Row = dict[str, Any]
CACHE = Path.home() / ".cache" / "oncall-bot-bench"


@dataclass(frozen=True)
class Seeding:
    year: Year
    counts: dict[str, int]
    seconds: float

    def summary(self) -> str:
        counts = ", ".join(f"{count:,} {table}" for table, count in self.counts.items())
        return f"seeded in {self.seconds:.0f} s: {counts}"


async def seed(url: str, *, scale: float = 1.0, say: Say = print) -> Seeding:
    """Migrate `url` (an empty database) to head, then fill it with a year ending now."""
    started = time.monotonic()
    database = Database(url)
    try:
        await migrate.upgrade(database)
    finally:
        await database.dispose()
    year = Year(scale=scale, end=now_rounded())
    seeded = incidents.plan(year)
    counts: dict[str, int] = {}
    tables: list[Any] = [
        *(SlackUser, Incident, Role, TimelineEntry, FollowUp, Reminder, AlertGroup, Alert, SloEvaluation),
        *(SloEvent, ProcessedEvent, OutboxEntry),
    ]
    taps = leftovers.Taps()
    async with writer(url) as out:

        async def append(model: Any, rows: Iterable[Row]) -> None:
            table = model.__table__
            counts[table.name] = await out.append(table, rows)
            say(f"{table.name}: {counts[table.name]:,} rows ({time.monotonic() - started:.0f} s)")

        await append(SlackUser, slos.user_rows(year))
        await append(Incident, incidents.incident_rows(year, seeded))
        await append(Role, incidents.role_rows(year, seeded))
        await append(TimelineEntry, taps.timeline(incidents.timeline_rows(year, seeded)))
        follow_ups = list(incidents.follow_up_rows(year, seeded))
        await append(FollowUp, follow_ups)
        await append(Reminder, taps.reminders(incidents.reminder_rows(year, seeded, follow_ups)))
        groups: list[tuple[int, Any, int | None]] = []

        def remembered(rows: Iterable[Row]) -> Iterator[Row]:
            for row in rows:
                groups.append((row["id"], row["created_at"], row["incident_id"]))
                yield row

        await append(AlertGroup, remembered(alerts.group_rows(year, seeded)))
        await append(Alert, alerts.alert_rows(year, groups))
        await append(SloEvaluation, slos.evaluation_rows(year))
        # What retention clears (leftovers.py): what the rows above imply the bot stored beside them.
        await append(SloEvent, leftovers.slo_event_rows(year))
        await append(ProcessedEvent, leftovers.processed_event_rows(year, taps))
        await append(OutboxEntry, leftovers.outbox_rows(year, seeded, taps, groups))
        await out.finish([model.__table__ for model in tables])
    return Seeding(year, counts, time.monotonic() - started)


async def seeded_sqlite(path: Path, *, scale: float, say: Say = print) -> Seeding | None:
    """A seeded SQLite file at `path`, copied from the cache when one of this seeder and schema is there.

    Returns the seeding when it was done now, None when copied. The year ends when it was seeded, and
    the day is part of the name, so a cached year's reminders were all sent on the day it is used."""
    cached = CACHE / f"{cache_name(scale)}.db"
    seeding = None
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        for stale in cached.parent.glob("year_*.db"):  # another day's, seeder's or schema's: disk, nothing more
            stale.unlink()
        partial = cached.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        seeding = await seed(f"sqlite+aiosqlite:///{partial}", scale=scale, say=say)
        await asyncio.to_thread(_checkpoint, partial)
        partial.rename(cached)
    await asyncio.to_thread(shutil.copyfile, cached, path)
    return seeding


def cache_name(scale: float) -> str:
    """Names a seeded year by what it depends on: the seeder, the schema, the scale and the day it ends."""
    day = now_rounded().strftime("%Y%m%d")
    return f"year_v{SEEDER_VERSION}_{migrate.head_revision()}_scale{scale:g}_{day}".replace(".", "_")


def _checkpoint(path: Path) -> None:
    import sqlite3

    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode = DELETE")  # one file to copy, nothing beside it
