"""`/report [7d|30d|90d] [service]`: the operations review's headline, ephemeral, read from the database.

Refusals are raised, and handlers/slack/errors.py makes them the ephemeral reply.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot import texts
from bot.clock import utcnow
from bot.config.schema import OncallConfig
from bot.errors import UsageError
from bot.reports import slack
from bot.reports.period import DAYS, last
from bot.reports.service import report_in
from bot.schedules.catalog import Catalog
from bot.unit_of_work import Begin
from handlers.slack.payloads import SlashCommand

_LOOKS_LIKE_A_PERIOD = re.compile(r"\d+\s*[a-z]*", re.IGNORECASE)


def parse(text: str) -> tuple[str, tuple[str, ...]]:
    """(period, services): `30d payments` → ("30d", ("payments",)); nothing is the last 7 days of every service."""
    words = text.split()
    if words and words[0].lower() == "help":
        raise UsageError(texts.reports.USAGE)
    period = "7d"
    if words and (words[0].lower() in DAYS or _LOOKS_LIKE_A_PERIOD.fullmatch(words[0])):
        if words[0].lower() not in DAYS:
            raise UsageError(texts.reports.bad_period(words[0]))
        period, words = words[0].lower(), words[1:]
    if len(words) > 1:
        raise UsageError(texts.reports.one_service(words))
    return period, tuple(words)


async def handle_report_command(
    ack: AsyncAck, command: dict[str, Any], begin: Begin, config: OncallConfig, catalog: Catalog
) -> None:
    typed = SlashCommand.of(command)
    period_text, services = parse(typed.text)
    now = utcnow()
    period = last(period_text, now=now)
    async with begin.reading() as session:
        report = await report_in(session, config, catalog, period, services, now=now)
    await ack(text=slack.text(report), response_type="ephemeral")
