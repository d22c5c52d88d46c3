"""`/alert silence|silences|expire|heartbeats|maintenance|help`, and the Expire button of `/alert silences`.

See docs/alert-actions.md.

Refusals are raised, and handlers/slack/errors.py makes them the ephemeral reply. A silence is stored with
its outbox entry and the command answered; whether Alertmanager answers a one-second probe only changes
what the answer says (the outbox makes the silence either way, retrying until Alertmanager is back).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot import texts
from bot.alertmanager import silences
from bot.alertmanager.client import AlertmanagerClient
from bot.alertmanager.matchers import parse_matcher
from bot.clock import utcnow
from bot.config.schema import OncallConfig
from bot.errors import UsageError
from bot.heartbeats.service import Heartbeats
from bot.heartbeats.views import heartbeats_command
from bot.incidents.target import Target
from bot.maintenance.service import Maintenance
from bot.maintenance.views import listing as maintenance_listing
from bot.permissions import Permissions
from bot.texts import maintenance as maintenance_texts
from bot.texts.alert_actions import USAGE
from bot.unit_of_work import Begin
from bot.values.durations import parse_duration
from handlers.slack.parsing import first_word, sub_command
from handlers.slack.payloads import SlashCommand

EXPIRE_ACTION = "alert_silence_expire"
ACTIONS = ("silence", "silences", "expire", "heartbeats", "maintenance", "help")
COMMENT_MARKS = (" -- ", " — ", " – ")  # Slack's clients may turn -- into a dash


def parse_silence(rest: str) -> tuple[str, list[str], str]:
    """`2h env=prod job=~api.* -- deploy` as ("2h", ["env=prod", "job=~api.*"], "deploy")."""
    text, comment = f" {rest.strip()} ", ""
    for mark in COMMENT_MARKS:
        if mark in text:
            text, _, comment = text.partition(mark)
            break
    words = text.split()
    return (words[0] if words else ""), words[1:], comment.strip()


def parse(text: str) -> tuple[str, str]:
    """`/alert <action> <rest>` as (action, rest); no action is help, an unknown one is refused."""
    return sub_command(text, command="/alert", known=ACTIONS, usage=USAGE)


async def handle_alert_command(
    ack: AsyncAck,
    command: dict[str, Any],
    begin: Begin,
    config: OncallConfig,
    permissions: Permissions,
    alertmanager: AlertmanagerClient,
    heartbeats: Heartbeats,
    maintenance: Maintenance,
) -> None:
    typed = SlashCommand.of(command)
    action, rest = parse(typed.text)
    run = SUB_COMMANDS[action]
    text, blocks = await run(Context(typed, rest, begin, config, permissions, alertmanager, heartbeats, maintenance))
    await ack(text=text, blocks=blocks, response_type="ephemeral")


class Context:
    """What every sub-command is given."""

    def __init__(
        self,
        command: SlashCommand,
        rest: str,
        begin: Begin,
        config: OncallConfig,
        permissions: Permissions,
        alertmanager: AlertmanagerClient,
        heartbeats: Heartbeats,
        maintenance: Maintenance,
    ) -> None:
        self.command, self.rest, self.begin, self.config = command, rest, begin, config
        self.permissions, self.alertmanager, self.heartbeats = permissions, alertmanager, heartbeats
        self.maintenance = maintenance


Answer = tuple[str, list[dict[str, Any]] | None]


async def _silence(context: Context) -> Answer:
    alertmanager = silences.pick(context.config.alertmanagers)
    duration_text, tokens, comment = parse_silence(context.rest)
    duration = _duration(duration_text, texts.alert_actions.NEEDS_DURATION)
    matchers = [parse_matcher(token) for token in tokens]
    command = context.command
    async with context.begin() as (session, outbox):
        incident_id = None
        if not matchers:
            if command.channel_id is None:
                raise UsageError(texts.alert_actions.NEEDS_MATCHERS)
            target = Target(channel_id=command.channel_id, viewer=await context.permissions.actor(command.user))
            incident_id, matchers = await silences.incident_matchers(session=session, target=target)
        silence = await silences.create(
            session=session,
            outbox=outbox,
            alertmanager=alertmanager,
            matchers=matchers,
            duration=duration,
            by=command.user,
            comment=comment,
            now=utcnow(),
            channel=command.channel_id,
            incident_id=incident_id,
        )
    reachable = await context.alertmanager.reachable(alertmanager)
    return texts.alert_actions.silenced(silence.id, silence.matchers, silence.ends_at, reachable=reachable), None


async def _list(context: Context) -> Answer:
    async with context.begin.reading() as session:
        viewer = await context.permissions.actor(context.command.user)
        active = await silences.active(session=session, now=utcnow(), viewer=viewer)
    if not active:
        return texts.alert_actions.NO_SILENCES, None
    blocks: list[dict[str, Any]] = []
    for silence in active:
        line = texts.alert_actions.silence_line(silence.id, silence.created_by, silence.ends_at, silence.matchers)
        button = {
            "type": "button",
            "action_id": EXPIRE_ACTION,
            "text": {"type": "plain_text", "text": texts.alert_actions.EXPIRE_BUTTON},
            "value": str(silence.id),
        }
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": line}, "accessory": button})
    return "\n".join(block["text"]["text"] for block in blocks), blocks


async def expire(
    begin: Begin, alertmanager: AlertmanagerClient, config: OncallConfig, permissions: Permissions, named: str, by: str
) -> str:
    """`/alert expire` and both Expire buttons (on `/alert silences` and on an alert message's silenced line)."""
    if not named:
        raise UsageError(texts.alert_actions.NAME_THE_SILENCE)
    async with begin() as (session, outbox):
        viewer = await permissions.actor(by)
        silence = await silences.expire(session=session, outbox=outbox, named=named, by=by, now=utcnow(), viewer=viewer)
    reachable = await alertmanager.reachable(silences.pick(config.alertmanagers, silence.alertmanager))
    return texts.alert_actions.expired(silence.id, reachable=reachable)


async def _expire(context: Context) -> Answer:
    named, _ = first_word(context.rest)
    answer = await expire(
        context.begin, context.alertmanager, context.config, context.permissions, named, context.command.user
    )
    return answer, None


async def _heartbeats(context: Context) -> Answer:
    text = await heartbeats_command(
        context.heartbeats, context.begin, context.rest, user=context.command.user, now=utcnow()
    )
    return text, None


def _duration(text: str, needed: str) -> timedelta:
    if not text:
        raise UsageError(needed)
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"{exc}") from None


async def _maintenance(context: Context) -> Answer:
    """`/alert maintenance start <duration> <matchers…> [--silence] [-- reason]`, `list`, `end <id>`."""
    verb, rest = first_word(context.rest)
    verb, user, now = verb.lower() or "list", context.command.user, utcnow()
    if verb == "list":
        return await maintenance_listing(context.maintenance, context.begin, now=now), None
    if verb == "end":
        named, _ = first_word(rest)
        if not named:
            raise UsageError(maintenance_texts.NAME_THE_WINDOW)
        window = await context.maintenance.end(context.begin, named, by=user, now=now)
        return maintenance_texts.ended(window.id), None
    if verb != "start":
        raise UsageError(maintenance_texts.not_a_verb(verb))
    duration_text, tokens, reason = parse_silence(rest)
    duration = _duration(duration_text, maintenance_texts.NEEDS_DURATION)
    mirror = maintenance_texts.SILENCE_FLAG in tokens
    matchers = [parse_matcher(token) for token in tokens if token != maintenance_texts.SILENCE_FLAG]
    window = await context.maintenance.start(
        context.begin, duration=duration, matchers=matchers, reason=reason, by=user, now=now, mirror_silence=mirror
    )
    text = maintenance_texts.started(window.id, window.name, window.matchers, window.ends_at, silenced=mirror)
    return text, None


async def _help(context: Context) -> Answer:
    return texts.alert_actions.HELP, None


SUB_COMMANDS: dict[str, Callable[[Context], Awaitable[Answer]]] = {
    "silence": _silence,
    "silences": _list,
    "expire": _expire,
    "heartbeats": _heartbeats,
    "maintenance": _maintenance,
    "help": _help,
}


async def handle_expire_click(
    ack: AsyncAck,
    respond: AsyncRespond,
    body: dict[str, Any],
    begin: Begin,
    config: OncallConfig,
    permissions: Permissions,
    alertmanager: AlertmanagerClient,
) -> None:
    """The Expire button of `/alert silences` and of a message's "silenced until … by …" line: `/alert expire`."""
    await ack()
    named, user = str(body["actions"][0].get("value", "")), str(body["user"]["id"])
    text = await expire(begin, alertmanager, config, permissions, named, user)
    await respond(text=text, response_type="ephemeral", replace_original=False)
