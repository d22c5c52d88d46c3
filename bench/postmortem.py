"""Postmortem render of a 10,000-message incident, against reading and printing the same rows plainly.

Both run in this process on the same SQLite file: the baseline reads the timeline with the sqlite3
module and joins one line per row; the bot builds its document (edits, deletes, threads, key events,
participants) and renders the Markdown template.
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.load import Measure
from bench.report import Row
from bench.webhooks import Say
from bot.incidents.models import Status
from bot.postmortem.render import Format
from bot.postmortem.service import Postmortems
from storage import migrate
from storage.engine import Database
from storage.enums import RoleName, Severity
from storage.tables import Incident, Role, TimelineEntry

NAME = "Postmortem render (10,000 messages)"
MESSAGES = 10_000
RUNS = 5
TARGET_SECONDS = 0.5
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
PEOPLE = [f"U0PERSON{number:02d}" for number in range(12)]


async def _fill(database: Database) -> None:
    async with database.transaction() as session:
        session.add(
            Incident(
                id=1,
                title="Checkout down for EU customers",
                severity=Severity.SEV1,
                status=Status.RESOLVED,
                declared_by=PEOPLE[0],
                declared_at=START,
                acknowledged_at=START + timedelta(minutes=3),
                mitigated_at=START + timedelta(hours=5),
                resolved_at=START + timedelta(hours=8),
            )
        )
        await session.flush()
        session.add(Role(incident_id=1, role=RoleName.COMMANDER, user_id=PEOPLE[1], assigned_by=PEOPLE[0]))
        entries = []
        for number in range(MESSAGES):
            ts = f"{START.timestamp() + number * 2:.6f}"
            # Every tenth message answers in a thread, some are edited, a few deleted, some pinned.
            parent = f"{START.timestamp() + (number - number % 10) * 2:.6f}" if number % 10 else None
            entries.append(
                TimelineEntry(
                    incident_id=1,
                    at=START + timedelta(seconds=number * 2),
                    kind="message",
                    author=PEOPLE[number % len(PEOPLE)],
                    text=f"<@{PEOPLE[(number + 1) % len(PEOPLE)]}> error rate on pod-{number % 40} is {number % 97}% "
                    f"— see <https://grafana.example/d/{number}|dashboard> & *logs*",
                    channel_id="C0INCIDENT",
                    slack_ts=ts,
                    thread_ts=parent,
                    is_edited=number % 17 == 0,
                    is_deleted=number % 101 == 0,
                    highlighted=number % 250 == 0,
                )
            )
        session.add_all(entries)


def _baseline(path: Path) -> float:
    started = time.perf_counter()
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT at, author, text FROM timeline_entries WHERE incident_id = 1 ORDER BY at, id"
        ).fetchall()
    document = "\n".join(f"- {at} {author}: {text}" for at, author, text in rows)
    assert len(document) > MESSAGES
    return time.perf_counter() - started


async def run(workdir: Path, say: Say) -> list[Row]:
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    path = workdir / "postmortem.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate.upgrade(database)
        await _fill(database)
        postmortems = Postmortems(database, zone=ZoneInfo("Europe/Madrid"))
        rendered = await postmortems.render(1, Format.MARKDOWN)  # warm: templates compiled, caches filled
        gc.freeze()  # as `oncall-bot serve` does once started
        bot_times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            rendered = await postmortems.render(1, Format.MARKDOWN)
            bot_times.append(time.perf_counter() - started)
        baseline_times = [await asyncio.to_thread(_baseline, path) for _ in range(RUNS)]
    finally:
        await database.dispose()
    say(f"render {statistics.median(bot_times) * 1000:.0f} ms, plain {statistics.median(baseline_times) * 1000:.0f} ms")
    bot, baseline = statistics.median(bot_times), statistics.median(baseline_times)
    met = bot < TARGET_SECONDS
    notes = [
        f"render {bot * 1000:.0f} ms (median of {RUNS})",
        f"plain read and print {baseline * 1000:.0f} ms",
        f"Markdown {len(rendered.encode()) / 1024:.0f} KiB (Slack's upload limit is 1 GB)",
    ]
    return [
        Row(
            NAME,
            "SQLite",
            baseline=Measure(rps=1 / baseline, p50_ms=baseline * 1000, p99_ms=max(baseline_times) * 1000),
            bot=Measure(rps=1 / bot, p50_ms=bot * 1000, p99_ms=max(bot_times) * 1000),
            goal=f"render < {TARGET_SECONDS * 1000:.0f} ms",
            goal_met=met,
            notes=notes,
        )
    ]
