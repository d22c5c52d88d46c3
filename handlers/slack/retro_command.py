"""`/retro schedule|list|cancel`: manage retro cadences from Slack."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.config.schema import OncallConfig
from bot.errors import UsageError, UserError
from bot.permissions import Action, Permissions
from bot.reminders import retros
from bot.slack.texts import render
from bot.unit_of_work import Begin
from handlers.slack.parsing import quoted, small_number, sub_command
from storage.types import utcnow

ACTIONS = ("schedule", "list", "cancel", "help")
USAGE = "`/retro schedule #channel start=2026-12-01T10:00 cadence=2w [count=6]` · `/retro list` · `/retro cancel <id>`"
# Bounded character classes and an anchored option name: long hostile text cannot make these backtrack.
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^<>]*)?>")
_OPTION = re.compile(r"(?<!\w)(\w+)=(\S+)")


def _schedule_arguments(text: str) -> tuple[str, str, str, int | None]:
    channel = _CHANNEL.search(text)
    if channel is None:
        raise UsageError(f"Name the channel with # so Slack links it.\nUsage: {USAGE}")
    options = dict(_OPTION.findall(text[channel.end() :]))
    unknown = sorted(set(options) - {"start", "cadence", "count"})
    if unknown:
        raise UsageError(f"{quoted(unknown[0])} is not a retro option.\nUsage: {USAGE}")
    if "start" not in options or "cadence" not in options:
        raise UsageError(f"A retro needs start= and cadence=.\nUsage: {USAGE}")
    count = options.get("count")
    retros_wanted = small_number(count) if count is not None else None
    if count is not None and not retros_wanted:
        raise UsageError(f"count must be a whole number of retros, at least 1.\nUsage: {USAGE}")
    return channel.group(1), options["start"], options["cadence"], retros_wanted


def parse(text: str) -> tuple[str, str]:
    """`/retro <action> <rest>` as (action, rest); no action is help, an unknown one is refused."""
    return sub_command(text, command="/retro", known=ACTIONS, usage=USAGE)


async def handle_retro_command(
    ack: AsyncAck, command: dict[str, Any], begin: Begin, config: OncallConfig, permissions: Permissions
) -> None:
    try:
        action, rest = parse(command.get("text", ""))
        if action in ("schedule", "cancel"):
            (await permissions.actor(command["user_id"])).require_admin(Action.RETRO)
        reply = await _run(action, rest, command, begin, config)
    except UserError as exc:
        reply = str(exc)
    await ack(text=reply, response_type="ephemeral")


async def _run(action: str, rest: str, command: dict[str, Any], begin: Begin, config: OncallConfig) -> str:
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
                by=command.get("user_id"),
                zone=zone,
                now=utcnow(),
            )
        return f"Retro #{retro.id} scheduled in <#{channel}>; the first is {first:%a %Y-%m-%d %H:%M %Z}."
    if action == "list":
        async with begin.reading() as session:
            described = await retros.upcoming(session=session, zone=zone)
        return render("slack/retro_list.txt.j2", retros=described)
    if action == "cancel":
        retro_id = small_number(rest.lstrip("#"))
        if retro_id is None:
            raise UsageError(f"Name the retro by its number, as `/retro list` shows it.\nUsage: {USAGE}")
        async with begin() as (session, _):
            retro = await retros.cancel(session=session, retro_id=retro_id, now=utcnow())
        return f"Retro #{retro.id} is cancelled."
    # Only help is left: parse() refused anything else.
    return f"*/retro* — retro cadences with an agenda of recent incidents.\n{USAGE}"
