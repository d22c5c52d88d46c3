"""Benchmark "Year-sized database: size with retention off vs on": a seeded year as it is, then after retention.

Retention runs with the documented defaults (`RetentionConfig()`, what no `retention:` section means), tick after
tick as the scheduler leader's `tick_retention` runs it (`Retention.tick`, one tick's batches at a time), until a
tick finds nothing left to delete. Sizes are `oncall-bot db stats`' (bot.database.table_stats), each measured
after VACUUM so that freed space shows: on SQLite VACUUM rewrites the file; on PostgreSQL a plain VACUUM (what
autovacuum does) only marks the space reusable, so the size after VACUUM FULL, which rewrites the tables, is
measured too. What must stay is counted before and after (incidents, timeline entries, follow-ups) and each
SLO's chart is read (`budget_series`) to see it still has points.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from bench.report import Row
from bench.webhooks import Say
from bench.year.databases import year_postgres, year_sqlite
from bench.year.requests import CONFIG
from bot.config.retention import RetentionConfig
from bot.config.schema import parse_config
from bot.database import table_stats
from bot.retention.service import Deleted, Retention
from bot.slo.history import budget_series
from bot.unit_of_work import unit_of_work
from storage.engine import Database, is_sqlite

NAME = "Year-sized database: size, retention off vs on"
SCALE = 1.0
KEPT = ("incidents", "timeline_entries", "follow_ups")
MB = 1024 * 1024
# A tick deletes at most batch_size × batches_per_tick rows (5,000 by default): far more ticks than a year needs.
MAX_TICKS = 20_000


@dataclass
class Sizes:
    total: int
    tables: dict[str, tuple[int, int | None]]  # table → (rows, bytes)


@dataclass
class Shrunk:
    """A seeded year before and after retention ran to completion."""

    before: Sizes
    after: Sizes  # after VACUUM (SQLite) or VACUUM FULL (PostgreSQL)
    after_plain_vacuum: Sizes | None  # PostgreSQL: after the VACUUM autovacuum would run
    deleted: Deleted
    ticks: int
    seconds: float
    chart_points: dict[str, tuple[int, int]] = field(default_factory=dict)  # SLO → points before, after

    @property
    def kept(self) -> bool:
        return all(self.before.tables[name][0] == self.after.tables[name][0] for name in KEPT) and all(
            after > 0 for _, after in self.chart_points.values()
        )


async def sizes(url: str) -> Sizes:
    database = Database(url)
    try:
        stats, total = await table_stats(database)
    finally:
        await database.dispose()
    return Sizes(total, {stat.name: (stat.rows, stat.size_bytes) for stat in stats})


async def vacuum(url: str, *, full: bool = False) -> None:
    if is_sqlite(url):
        await asyncio.to_thread(_vacuum_sqlite, url.split("///", 1)[1])
        return
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await connection.execute("VACUUM FULL ANALYZE" if full else "VACUUM ANALYZE")
    finally:
        await connection.close()


def _vacuum_sqlite(path: str) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("VACUUM")
    finally:
        connection.close()


async def _chart_points(url: str, now: datetime) -> dict[str, int]:
    database = Database(url)
    try:
        async with database.reading() as session:
            return {
                slo.name: len((await budget_series(session=session, definition=slo, until=now)).points)
                for slo in parse_config(CONFIG).slos
            }
    finally:
        await database.dispose()


async def shrink(url: str, *, now: datetime | None = None, config: RetentionConfig | None = None) -> Shrunk:
    """Measure `url`, run retention on it to the end, measure it again."""
    now = now or datetime.now(UTC)
    await vacuum(url)
    before, points_before = await sizes(url), await _chart_points(url, now)
    database = Database(url)
    retention = Retention(config or RetentionConfig(), unit_of_work(database), parse_config(CONFIG).slos)
    deleted, ticks = Deleted(), 0
    started = time.monotonic()
    try:
        while not deleted.finished:
            if ticks >= MAX_TICKS:
                raise RuntimeError(f"retention did not finish in {MAX_TICKS:,} ticks: {deleted.rows}")
            done = await retention.tick(now)  # as Scheduler.tick_retention does, one tick's share
            ticks += 1
            for table, count in done.rows.items():
                deleted.add(table, count)
            deleted.batches += done.batches
            deleted.finished = done.finished
    finally:
        seconds = time.monotonic() - started
        await database.dispose()
    await vacuum(url)
    plain = None
    if not is_sqlite(url):
        plain = await sizes(url)
        await vacuum(url, full=True)
    after, points_after = await sizes(url), await _chart_points(url, now)
    points = {name: (points_before[name], points_after.get(name, 0)) for name in points_before}
    return Shrunk(before, after, plain, deleted, ticks, seconds, points)


async def run(workdir: Path, say: Say) -> list[Row]:
    rows = []
    for context in (
        lambda: year_sqlite(workdir / "year", scale=SCALE, say=say),
        lambda: year_postgres(scale=SCALE, say=say),
    ):
        async with context() as seeded:
            if seeded.url is None:
                rows.append(Row(NAME, seeded.name, skipped=seeded.skipped))
                continue
            shrunk = await shrink(seeded.url)
            for line in report(shrunk):
                say(f"{seeded.name}: {line}")
            rows.append(_row(seeded.name, shrunk))
    return rows


def _mb(size: int | None) -> str:
    return "?" if size is None else f"{size / MB:,.1f}"


def report(shrunk: Shrunk) -> list[str]:
    """Every table's rows and MB before and after, then the totals."""
    lines = []
    for name, (rows, size) in sorted(shrunk.before.tables.items(), key=lambda item: -(item[1][1] or 0)):
        after_rows, after_size = shrunk.after.tables[name]
        if rows or after_rows:
            lines.append(f"{name}: {rows:,} rows {_mb(size)} MB → {after_rows:,} rows {_mb(after_size)} MB")
    lines.append(f"total: {_mb(shrunk.before.total)} MB → {_mb(shrunk.after.total)} MB")
    return lines


def _row(database: str, shrunk: Shrunk) -> Row:
    before, after = shrunk.before, shrunk.after
    vacuumed = "VACUUM FULL" if shrunk.after_plain_vacuum is not None else "VACUUM"
    notes = [
        f"total {_mb(before.total)} MB with retention off → {_mb(after.total)} MB after retention and {vacuumed} "
        f"({100 * (after.total - before.total) / before.total:+.0f} %)",
    ]
    if shrunk.after_plain_vacuum is not None:
        notes.append(
            f"{_mb(shrunk.after_plain_vacuum.total)} MB after a plain VACUUM (the space reusable, not returned)"
        )
    changed = [
        f"{name} {_mb(size)} → {_mb(after.tables[name][1])} MB ({rows:,} → {after.tables[name][0]:,} rows)"
        for name, (rows, size) in sorted(before.tables.items(), key=lambda item: -(item[1][1] or 0))
        if after.tables[name][0] != rows
    ]
    notes.append("per table: " + ", ".join(changed))
    notes.append(
        f"retention ran {shrunk.ticks:,} ticks of at most {RetentionConfig().batches_per_tick} batches "
        f"({shrunk.deleted.batches:,} batches, {shrunk.deleted.total:,} rows) in {shrunk.seconds:.0f} s"
    )
    kept = ", ".join(f"{before.tables[name][0]:,} {name}" for name in KEPT)
    charts = ", ".join(f"{name} {was} → {now}" for name, (was, now) in shrunk.chart_points.items())
    notes.append(f"kept: {kept}; SLO chart points {charts}")
    return Row(
        NAME,
        database,
        goal="smaller; incidents, timelines, follow-ups kept; SLO charts drawn",
        goal_met=after.total < before.total,
        checks_passed=shrunk.kept,
        notes=notes,
    )
