"""`oncall-bot db stats` as an operator runs it, on each database: every table's rows and size, and the total."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys

from bot.slack.replays import first_sight
from bot.unit_of_work import unit_of_work
from storage.engine import Database


async def _claims(url: str, count: int) -> None:
    database = Database(url)
    try:
        for number in range(count):
            await first_sight(unit_of_work(database), f"trigger-{number}")
    finally:
        await database.dispose()


def test_db_stats_prints_rows_and_size_per_table(database_url: str) -> None:
    asyncio.run(_claims(database_url, 25))

    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", "db", "stats"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "COLUMNS": "100"},
    )

    assert result.returncode == 0, result.stderr
    rows = {match[0]: match[1:] for match in re.findall(r"│ (\w+) +│ +([\d,]+) │ +([\d.]+ [kMG]?B) │", result.stdout)}
    assert rows["processed_events"][0] == "25" and rows["incidents"][0] == "0"
    assert {"timeline_entries", "alerts", "slo_evaluations", "outbox", "total"} <= rows.keys()
    assert all(size.endswith("B") for _, size in rows.values())  # each table's own size, both databases
    assert "password" not in result.stdout and "database: " in result.stdout


def test_db_stats_on_a_database_that_is_not_there_says_so_in_one_line(tmp_path: object) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", "db", "stats"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/missing.db", "PATH": "/usr/bin:/bin"},
    )

    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "db upgrade" in result.stderr
