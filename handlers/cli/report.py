"""`oncall-bot report`: an operations review of the last 7/30/90 days, or of --from/--to dates, from the database.

It only reads. The period is checked before the database is opened, so a typo is named as such even where
there is no database; a bad one is one line (exit 2), like every other command's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bot.clock import utcnow
from bot.config.schema import OncallConfig
from bot.database import opened
from bot.errors import UsageError, UserError
from bot.reports.formats import render
from bot.reports.service import Reports, period_of
from bot.settings import Settings


async def run(
    settings: Settings, config: OncallConfig, arguments: argparse.Namespace, *, write: Callable[[str], object]
) -> int:
    if arguments.period is not None and (arguments.start or arguments.end):
        raise UsageError("give --period or --from/--to, not both")
    now = utcnow()
    try:
        period = period_of(config, period=arguments.period, start=arguments.start, end=arguments.end, now=now)
    except UserError as exc:
        raise UsageError(str(exc)) from None
    async with opened(settings.database_url) as database:
        report = await Reports(database, config).report(period, arguments.service, now=now)
    write(render(report, arguments.format))
    return 0


def stdout(text: str) -> None:
    sys.stdout.write(text)
