"""`oncall-bot oncall who` and `oncall-bot oncall export`: a schedule from a terminal, a script or a cron job.

Both only read (the overrides made in Slack, from the database DATABASE_URL names); the schedule's name,
`--at`, `--from` and `--days` are checked before the database is opened, so a typo is named as such even
where there is no database.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from bot.clock import utcnow
from bot.config.schema import OncallConfig
from bot.database import opened
from bot.schedules import export
from bot.schedules.catalog import Catalog
from bot.settings import Settings

EXPORT_DAYS = export.SUBSCRIPTION_DAYS  # the same calendar as the subscription URL serves


async def run(
    settings: Settings, config: OncallConfig, arguments: argparse.Namespace, *, write: Callable[[str], object]
) -> int:
    catalog = Catalog(config.schedules, config.zone)
    schedule = export.configured(catalog, arguments.name)
    now = utcnow().replace(microsecond=0)  # `at` is printed: whole seconds read better
    if arguments.oncall_command == "who":
        at = export.instant_option("--at", arguments.at, catalog, schedule, now=now)
        async with opened(settings.database_url) as database, database.reading() as session:
            answer = await export.who_at(session, await catalog.load(session), schedule.name, at=at)
        write(json.dumps(answer.to_json()) + "\n" if arguments.format == "json" else answer.line() + "\n")
        return 0
    start = export.instant_option("--from", arguments.start, catalog, schedule, now=now)
    days = export.days_option(arguments.days, default=EXPORT_DAYS)
    async with opened(settings.database_url) as database, database.reading() as session:
        rota = await catalog.load(session)
        text = await export.calendar(session, rota, schedule.name, start=start, days=days, user=arguments.user)
    write(text)
    return 0


def stdout(text: str) -> None:
    sys.stdout.write(text)
