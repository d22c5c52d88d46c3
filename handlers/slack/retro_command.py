"""`/retro schedule|list|cancel`: manage retro cadences from Slack.

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
from bot.permissions import Action, Permissions
from bot.reminders import retros
from bot.slack.texts import render
from bot.texts.reminders import USAGE
from bot.unit_of_work import Begin
from handlers.slack.parsing import small_number, sub_command
from handlers.slack.payloads import SlashCommand

ACTIONS = ("schedule", "list", "cancel", "help")
# Bounded character classes and an anchored option name: long hostile text cannot make these backtrack.
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^<>]*)?>")
_OPTION = re.compile(r"(?<!\w)(\w+)=(\S+)")


def _schedule_arguments(text: str) -> tuple[str, str, str, int | None]:
    channel = _CHANNEL.search(text)
    if channel is None:
        raise UsageError(texts.reminders.NAME_THE_CHANNEL)
    options = dict(_OPTION.findall(text[channel.end() :]))
    unknown = sorted(set(options) - {"start", "cadence", "count"})
    if unknown:
        raise UsageError(texts.reminders.not_an_option(unknown[0]))
    if "start" not in options or "cadence" not in options:
        raise UsageError(texts.reminders.NEEDS_START_AND_CADENCE)
    count = options.get("count")
    retros_wanted = small_number(count) if count is not None else None
    if count is not None and not retros_wanted:
        raise UsageError(texts.reminders.BAD_COUNT)
    return channel.group(1), options["start"], options["cadence"], retros_wanted


def parse(text: str) -> tuple[str, str]:
    """`/retro <action> <rest>` as (action, rest); no action is help, an unknown one is refused."""
    return sub_command(text, command="/retro", known=ACTIONS, usage=USAGE)


async def handle_retro_command(
    ack: AsyncAck, command: dict[str, Any], begin: Begin, config: OncallConfig, permissions: Permissions
) -> None:
    typed = SlashCommand.of(command)
    action, rest = parse(typed.text)
    if action in ("schedule", "cancel"):
        (await permissions.actor(typed.user)).require_admin(Action.RETRO)
    await ack(text=await _run(action, rest, typed, begin, config), response_type="ephemeral")


async def _run(action: str, rest: str, command: SlashCommand, begin: Begin, config: OncallConfig) -> str:
    zone = config.zone
    if action == "schedule":
        channel, start, cadence, count = _schedule_arguments(rest)
        async with begin() as (session, _):
            retro, first = await retros.schedule(
                session=session,
                channel=channel,
                start=start,
                cadence=cadence,
                count=count,
                by=command.user,
                zone=zone,
                now=utcnow(),
            )
        return texts.reminders.scheduled(retro.id, channel, first)
    if action == "list":
        async with begin.reading() as session:
            described = await retros.upcoming(session=session, zone=zone)
        return render("slack/retro_list.txt.j2", retros=described)
    if action == "cancel":
        retro_id = small_number(rest.lstrip("#"))
        if retro_id is None:
            raise UsageError(texts.reminders.NAME_THE_RETRO)
        async with begin() as (session, _):
            retro = await retros.cancel(session=session, retro_id=retro_id, now=utcnow())
        return texts.reminders.cancelled(retro.id)
    # Only help is left: parse() refused anything else.
    return texts.reminders.HELP
