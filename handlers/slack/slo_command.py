"""`/slo list|show|digest`: SLO status in Slack, read from stored evaluations.

Refusals are raised, and handlers/slack/errors.py makes them the ephemeral reply.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot import texts
from bot.clock import utcnow
from bot.config.schema import OncallConfig
from bot.errors import UsageError, UserError
from bot.permissions import Action, Permissions
from bot.slo import digest
from bot.slo.history import budget_series, latest_reports
from bot.slo.models import find_slo
from bot.slo.presentation import slo_list_text, slo_show_text
from bot.texts.slo import USAGE
from bot.unit_of_work import Begin
from handlers.slack.parsing import sub_command
from handlers.slack.payloads import SlashCommand

ACTIONS = ("list", "show", "digest", "help")


def parse(text: str) -> tuple[str, str]:
    """`/slo <action> <rest>` as (action, rest); no action is help, an unknown one is refused."""
    return sub_command(text, command="/slo", known=ACTIONS, usage=USAGE)


async def handle_slo_command(
    ack: AsyncAck, command: dict[str, Any], begin: Begin, config: OncallConfig, permissions: Permissions
) -> None:
    typed = SlashCommand.of(command)
    action, rest = parse(typed.text)
    if action == "digest":
        (await permissions.actor(typed.user)).require_admin(Action.SLO_DIGEST)
    await ack(text=await _run(action, rest, typed, begin, config), response_type="ephemeral")


async def _run(action: str, rest: str, command: SlashCommand, begin: Begin, config: OncallConfig) -> str:
    now = utcnow()
    if action == "list":
        async with begin.reading() as session:
            reports = await latest_reports(session=session, definitions=config.slos, now=now)
        return slo_list_text(reports)
    if action == "show":
        if not rest:
            raise UsageError(texts.slo.NAME_THE_SLO)
        definition = find_slo(config.slos, rest.split()[0])
        async with begin.reading() as session:
            [report] = await latest_reports(session=session, definitions=[definition], now=now)
            history = await budget_series(session=session, definition=definition, until=now)
        return slo_show_text(report, history)
    if action == "digest":
        if not config.slos:
            raise UserError(texts.slo.NOTHING_TO_DIGEST)
        async with begin() as (session, outbox):
            await digest.start_run(
                session=session,
                outbox=outbox,
                channel=command.channel_id or "",
                end=now,
                digest_id=None,
                by=command.user,
            )
        return texts.slo.DIGEST_ON_ITS_WAY
    # Only help is left: parse() refused anything else.
    return texts.slo.HELP
