"""The postmortem of the year's 10,000-entry incident, rendered in this process, against reading its rows plainly."""

from __future__ import annotations

import statistics
import time
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bench.load import Measure
from bench.report import Row
from bench.webhooks import Say
from bench.year.shape import Year
from bot.postmortem.render import Format
from bot.postmortem.service import Postmortems
from storage.engine import Database

NAME = "Year-sized database: postmortem of a 10,000-entry incident"
RUNS = 3
TARGET_SECONDS = 0.5


async def measure(url: str, database_name: str, year: Year, say: Say) -> Row:
    database = Database(url)
    try:
        postmortems = Postmortems(database, zone=ZoneInfo("Europe/Madrid"))
        rendered = await postmortems.render(year.big_incident, Format.MARKDOWN)  # warm: templates compiled
        renders, plain = [], []
        for _ in range(RUNS):
            started = time.perf_counter()
            rendered = await postmortems.render(year.big_incident, Format.MARKDOWN)
            renders.append(time.perf_counter() - started)
            started = time.perf_counter()
            await _plain(database, year.big_incident)
            plain.append(time.perf_counter() - started)
    finally:
        await database.dispose()
    bot, baseline = statistics.median(renders), statistics.median(plain)
    say(f"postmortem on the year-sized {database_name}: {bot * 1000:.0f} ms, plain read {baseline * 1000:.0f} ms")
    return Row(
        NAME,
        database_name,
        baseline=Measure(rps=1 / baseline, p50_ms=baseline * 1000, p99_ms=max(plain) * 1000),
        bot=Measure(rps=1 / bot, p50_ms=bot * 1000, p99_ms=max(renders) * 1000),
        goal=f"render < {TARGET_SECONDS * 1000:.0f} ms",
        goal_met=bot < TARGET_SECONDS,
        checks_passed="error rate on pod-" in rendered,
        notes=[
            f"render {bot * 1000:.0f} ms (median of {RUNS}) among {year.timeline_entries:,} entries",
            f"baseline: reading the same rows and joining one line per row, {baseline * 1000:.0f} ms",
        ],
    )


async def _plain(database: Database, number: int) -> None:
    async with database.reading() as session:
        rows = (
            await session.execute(
                text("SELECT at, author, text FROM timeline_entries WHERE incident_id = :n ORDER BY at, id"),
                {"n": number},
            )
        ).all()
    document = "\n".join(f"- {at} {author}: {line}" for at, author, line in rows)
    assert document
