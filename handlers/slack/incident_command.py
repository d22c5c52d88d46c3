"""`/incident …`: parse, call one service in one transaction, reply within Slack's 3 seconds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.errors import SlackError, UserError
from bot.followups import service as followups
from bot.incidents import service as incidents
from bot.incidents.models import RoleName, Severity, Status
from bot.incidents.service import Target
from bot.permissions import Actor, Permissions
from bot.postmortem import service as postmortems
from bot.slack.gateway import SlackGateway
from bot.slack.texts import render
from bot.unit_of_work import Begin
from handlers.slack import modals
from handlers.slack.parsing import (
    ParsedCommand,
    declare_options,
    first_word,
    follow_up_text,
    parse,
    quoted,
    small_number,
    usage_error,
    user_mention,
)

Reply = str | None
Run = Callable[[ParsedCommand, dict[str, Any], Begin, SlackGateway, Actor], Awaitable[Reply]]


async def handle_incident_command(
    ack: AsyncAck, command: dict[str, Any], begin: Begin, gateway: SlackGateway, permissions: Permissions
) -> None:
    """Every reply is ephemeral: what changed is posted in the incident channel by the outbox."""
    try:
        parsed = parse(command.get("text", ""))
        actor = await permissions.actor(command["user_id"])
        reply = await SUBCOMMANDS[parsed.name](parsed, command, begin, gateway, actor)
    except UserError as exc:
        reply = str(exc)
    if reply:
        await ack(text=reply, response_type="ephemeral")
    else:
        await ack()


def _target(parsed: ParsedCommand, command: dict[str, Any], actor: Actor) -> Target:
    """The incident meant, as it exists for the person asking (a private one only for its channel's members)."""
    return Target(ref=parsed.ref, channel_id=command.get("channel_id"), viewer=actor)


async def _declare(
    parsed: ParsedCommand, command: dict[str, Any], begin: Begin, gateway: SlackGateway, actor: Actor
) -> Reply:
    if not parsed.rest:
        try:
            await gateway.open_view(command["trigger_id"], modals.declare_view(channel_id=command.get("channel_id")))
        except SlackError as exc:
            return f"Could not open the declare form ({exc.error}). Try `/incident declare <title> [sev1..sev4]`."
        return None
    private, rest = declare_options(parsed.rest)
    title, severity = rest, Severity.SEV3
    *words, last = rest.split() or [""]
    if words and Severity.parse(last):
        title, severity = " ".join(words), Severity.parse(last) or severity
    async with begin() as (session, outbox):
        incident, channel = await incidents.declare(
            session=session, outbox=outbox, title=title, severity=severity, by=command["user_id"], private=private
        )
    return render("slack/declared_reply.txt.j2", incident=incident, channel_name=channel)


async def _update(
    parsed: ParsedCommand, command: dict[str, Any], begin: Begin, gateway: SlackGateway, actor: Actor
) -> Reply:
    async with begin.reading() as session:
        incident = await incidents.snapshot_of(session, _target(parsed, command, actor))
    try:
        await gateway.open_view(command["trigger_id"], modals.update_view(incident))
    except SlackError as exc:
        return f"Could not open the update form ({exc.error}). Use `/incident status …` or `/incident severity …`."
    return None


async def _status(
    parsed: ParsedCommand, command: dict[str, Any], begin: Begin, gateway: SlackGateway, actor: Actor
) -> Reply:
    word, note = first_word(parsed.rest)
    if word.lower() not in {status.value for status in Status if status is not Status.CLOSED}:
        raise usage_error("status", f"{quoted(word)} is not a status.")
    async with begin() as (session, outbox):
        incident = await incidents.set_status(
            session=session,
            outbox=outbox,
            target=_target(parsed, command, actor),
            status=Status(word.lower()),
            by=command["user_id"],
            note=note,
            actor=actor,
        )
    return f"{incident.ref} is now *{incident.status}*."


async def _resolve(
    parsed: ParsedCommand, command: dict[str, Any], begin: Begin, gateway: SlackGateway, actor: Actor
) -> Reply:
    async with begin() as (session, outbox):
        incident = await incidents.resolve(
            session=session,
            outbox=outbox,
            target=_target(parsed, command, actor),
            by=command["user_id"],
            note=parsed.rest,
            actor=actor,
        )
    return f"{incident.ref} is resolved. :white_check_mark:"


async def _severity(
    parsed: ParsedCommand, command: dict[str, Any], begin: Begin, gateway: SlackGateway, actor: Actor
) -> Reply:
    word, extra = first_word(parsed.rest)
    severity = Severity.parse(word)
    if severity is None or extra:
        raise usage_error("severity", f"{quoted(parsed.rest)} is not a severity.")
    async with begin() as (session, outbox):
        incident = await incidents.set_severity(
            session=session,
            outbox=outbox,
            target=_target(parsed, command, actor),
            severity=severity,
            by=command["user_id"],
            actor=actor,
        )
    return f"{incident.ref} is now *{incident.severity}*."


async def _assign(
    parsed: ParsedCommand, command: dict[str, Any], begin: Begin, gateway: SlackGateway, actor: Actor
) -> Reply:
    word, who = first_word(parsed.rest)
    role, user = RoleName.parse(word), user_mention(who)
    if role is None:
        raise usage_error("assign", f"{quoted(word)} is not a role.")
    if user is None:
        raise usage_error("assign", "Name one person with an @-mention.")
    async with begin() as (session, outbox):
        incident = await incidents.assign_role(
            session=session,
            outbox=outbox,
            target=_target(parsed, command, actor),
            role=role,
            user=user,
            by=command["user_id"],
            actor=actor,
        )
    return f"<@{user}> is now the {role.title} of {incident.ref}."


async def _note(
    parsed: ParsedCommand, command: dict[str, Any], begin: Begin, gateway: SlackGateway, actor: Actor
) -> Reply:
    if not parsed.rest:
        raise usage_error("note", "The note is empty.")
    async with begin() as (session, outbox):
        incident = await incidents.add_note(
            session=session,
            outbox=outbox,
            target=_target(parsed, command, actor),
            text=parsed.rest,
            by=command["user_id"],
        )
    return f"Note added to {incident.ref}."


def _field(field: str) -> Run:
    async def run(
        parsed: ParsedCommand, command: dict[str, Any], begin: Begin, gateway: SlackGateway, actor: Actor
    ) -> Reply:
        if not parsed.rest:
            raise usage_error(field, f"The {field} is empty.")
        async with begin() as (session, outbox):
            incident = await incidents.set_field(
                session=session,
                outbox=outbox,
                target=_target(parsed, command, actor),
                field=field,
                text=parsed.rest,
                by=command["user_id"],
            )
        return f"{field.capitalize()} of {incident.ref} updated."

    return run


async def _list(
    parsed: ParsedCommand, command: dict[str, Any], begin: Begin, gateway: SlackGateway, actor: Actor
) -> Reply:
    async with begin.reading() as session:
        open_incidents = await incidents.list_open(session=session, viewer=actor)
    return render("slack/list.txt.j2", incidents=open_incidents)


async def _timeline(
    parsed: ParsedCommand, command: dict[str, Any], begin: Begin, gateway: SlackGateway, actor: Actor
) -> Reply:
    async with begin.reading() as session:
        incident, entries, total = await incidents.recent_timeline(
            session=session, target=_target(parsed, command, actor)
        )
    return render("slack/timeline.txt.j2", incident=incident, entries=entries, total=total)


async def _postmortem(
    parsed: ParsedCommand, command: dict[str, Any], begin: Begin, gateway: SlackGateway, actor: Actor
) -> Reply:
    async with begin() as (session, outbox):
        incident, drafted = await postmortems.request(
            session=session, outbox=outbox, target=_target(parsed, command, actor), by=command["user_id"]
        )
    state = " and marked it drafted" if drafted else ""
    return f"Rendering the postmortem of {incident.ref}{state}; it will appear in its channel as a file."


async def _close(
    parsed: ParsedCommand, command: dict[str, Any], begin: Begin, gateway: SlackGateway, actor: Actor
) -> Reply:
    async with begin() as (session, outbox):
        incident = await postmortems.close(
            session=session, outbox=outbox, target=_target(parsed, command, actor), by=command["user_id"], actor=actor
        )
    return f"{incident.ref} is closed. :lock:"


async def _followup(
    parsed: ParsedCommand, command: dict[str, Any], begin: Begin, gateway: SlackGateway, actor: Actor
) -> Reply:
    action, rest = first_word(parsed.rest)
    target, user = _target(parsed, command, actor), command["user_id"]
    if action.lower() == "add":
        wanted = follow_up_text(rest)
        async with begin() as (session, outbox):
            incident, item = await followups.add(
                session=session,
                outbox=outbox,
                target=target,
                text=wanted.text,
                by=user,
                owner=wanted.owner,
                due=wanted.due,
            )
        return f"Follow-up #{item.number} added to {incident.ref}."
    if action.lower() == "list":
        async with begin.reading() as session:
            incident, items = await followups.list_for(session=session, target=target)
        return render("slack/follow_ups.txt.j2", incident=incident, follow_ups=items)
    if action.lower() == "done":
        number = small_number(rest.lstrip("#"))
        if number is None:
            raise usage_error("followup", f"{quoted(rest)} is not a follow-up number.")
        async with begin() as (session, outbox):
            incident, item = await followups.complete(
                session=session, outbox=outbox, target=target, number=number, by=user
            )
        return f"Follow-up #{item.number} of {incident.ref} is done."
    raise usage_error("followup", f"{quoted(action)} is not a followup action.")


async def _help(
    parsed: ParsedCommand, command: dict[str, Any], begin: Begin, gateway: SlackGateway, actor: Actor
) -> Reply:
    return render("slack/help.txt.j2")


SUBCOMMANDS: dict[str, Run] = {
    "declare": _declare,
    "status": _status,
    "update": _update,
    "resolve": _resolve,
    "severity": _severity,
    "assign": _assign,
    "note": _note,
    "summary": _field("summary"),
    "impact": _field("impact"),
    "service": _field("service"),
    "list": _list,
    "timeline": _timeline,
    "postmortem": _postmortem,
    "close": _close,
    "followup": _followup,
    "help": _help,
}
