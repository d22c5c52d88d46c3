"""Reports from the database: the one way the CLI, `/report`, the posted review and the web page get one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config.schema import OncallConfig
from bot.reports.period import Period, between, last
from bot.reports.report import Report, build, gather
from bot.schedules.catalog import Catalog
from storage.engine import Database


def period_of(config: OncallConfig, *, period: str | None, start: str | None, end: str | None, now: datetime) -> Period:
    """`--period 30d`, or `--from`/`--to` dates (both), in the bot's zone; 7d when nothing is said."""
    if start is not None or end is not None:
        return between(start or "", end or "", config.zone)
    return last(period or "7d", now=now)


async def report_in(
    session: AsyncSession,
    config: OncallConfig,
    catalog: Catalog,
    period: Period,
    services: Sequence[str] = (),
    *,
    now: datetime,
) -> Report:
    """The report from an open reading session (a slash command's, the scheduler's, a web page's)."""
    rows = await gather(session, await catalog.load(session), period, services)
    due_after = config.reminders.postmortem_due_after
    return build(rows, period, zone=config.zone, due_after=due_after, now=now, services=services)


class Reports:
    def __init__(self, database: Database, config: OncallConfig) -> None:
        self._database = database
        self._config = config
        self._catalog = Catalog(config.schedules, config.zone)

    async def report(self, period: Period, services: Sequence[str] = (), *, now: datetime) -> Report:
        async with self._database.reading() as session:
            return await report_in(session, self._config, self._catalog, period, services, now=now)
