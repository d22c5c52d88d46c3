"""`oncall-bot db stats`: row counts and on-disk sizes per table, to see what retention keeps (docs/runbook.md)."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.filesize import decimal
from rich.table import Table

from bot import texts
from bot.database import TableStats, inspect, opened, table_stats
from bot.settings import Settings


async def collect(settings: Settings) -> tuple[list[TableStats], int, str]:
    """Each table's rows and size, the database's size, and where it is (named without its password)."""
    async with opened(settings.database_url) as database:
        stats, total = await table_stats(database)
    return stats, total, (await inspect(settings.database_url)).where


def render(stats: list[TableStats], total: int, *, where: str, out: TextIO) -> None:
    """The biggest tables first; a size the database cannot tell per table is left blank."""
    title, rows_heading, size_heading = texts.retention.STATS_COLUMNS
    table = Table(title=texts.retention.STATS_TITLE, caption=texts.retention.stats_where(where))
    table.add_column(title)
    table.add_column(rows_heading, justify="right")
    table.add_column(size_heading, justify="right")
    for item in sorted(stats, key=lambda one: (-(one.size_bytes or 0), -one.rows, one.name)):
        table.add_row(item.name, f"{item.rows:,}", "" if item.size_bytes is None else decimal(item.size_bytes))
    table.add_section()
    table.add_row(texts.retention.STATS_TOTAL, f"{sum(item.rows for item in stats):,}", decimal(total))
    console = Console(file=out, width=100, soft_wrap=True)
    console.print(table)
    if any(item.size_bytes is None for item in stats):
        console.print(texts.retention.SQLITE_SIZES_FROM_PAGES)
