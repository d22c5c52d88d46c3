"""`/incident …`: parse, call one service in one transaction, reply within Slack's 3 seconds.

A refusal is raised, never caught here: handlers/slack/errors.py makes it the ephemeral reply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot import texts
from bot.config.schema import OncallConfig
from bot.errors import SlackError
from bot.followups import service as followups
from bot.incidents import fields, lifecycle, listing, roles
from bot.incidents.models import RoleName, Severity, Status
from bot.incidents.target import Target, snapshot_of
from bot.paging import declaring
from bot.permissions import Actor, Permissions
from bot.postmortem import service as postmortems
from bot.schedules.catalog import Catalog
from bot.slack.gateway import SlackGateway
from bot.slack.texts import render
from bot.unit_of_work import Begin
from handlers.slack import modals, paging
from handlers.slack.parsing import (
    declare_options,
    first_word,
    follow_up_text,
    parse,
    small_number,
    usage_error,
    user_mention,
)
from handlers.slack.payloads import SlashCommand

Reply = str | None


@dataclass(frozen=True)
class IncidentCommand:
    """One `/incident …` as its sub-command sees it: who asked, where, about which incident, with what words."""

    actor: Actor
    channel_id: str | None
    target: Target  # the incident named, else the channel's (as it exists for `actor`)
    rest: str  # the words after the sub-command (and the incident)
    begin: Begin
    open_form: Callable[[dict[str, Any]], Awaitable[None]]  # a modal, for the person who typed the command
    catalog: Catalog  # the on-call schedules, for `declare … oncall:<schedule>`
    config: OncallConfig

    @property
    def user(self) -> str:
        return self.actor.user


Run = Callable[[IncidentCommand], Awaitable[Reply]]


async def handle_incident_command(
    ack: AsyncAck,
    command: dict[str, Any],
    begin: Begin,
    gateway: SlackGateway,
    permissions: Permissions,
    catalog: Catalog,
    config: OncallConfig,
) -> None:
    """Every reply is ephemeral: what changed is posted in the incident channel by the outbox."""
    typed = SlashCommand.of(command)
    parsed = parse(typed.text)
    actor = await permissions.actor(typed.user)
    reply = await SUBCOMMANDS[parsed.name](
        IncidentCommand(
            actor=actor,
            channel_id=typed.channel_id,
            target=Target(ref=parsed.ref, channel_id=typed.channel_id, viewer=actor),
            rest=parsed.rest,
            begin=begin,
            open_form=partial(gateway.open_view, typed.trigger_id),
            catalog=catalog,
            config=config,
        )
    )
    if reply:
        await ack(text=reply, response_type="ephemeral")
    else:
        await ack()


async def _declare(command: IncidentCommand) -> Reply:
    if not command.rest:
        try:
            await command.open_form(modals.declare_view(channel_id=command.channel_id))
        except SlackError as exc:
            return texts.incidents.declare_form_failed(exc.error)
        return None
    options = declare_options(command.rest)
    title, severity = options.words, Severity.SEV3
    *words, last = options.words.split() or [""]
    if words and Severity.parse(last):
        title, severity = " ".join(words), Severity.parse(last) or severity
    # An unknown policy is refused here, before anything is declared.
    plan = paging.plan_for(options.page, command.config) if options.page is not None else None
    declared = await declaring.declare(
        begin=command.begin,
        catalog=command.catalog,
        title=title,
        severity=severity,
        by=command.user,
        private=options.private,
        oncall=options.oncall,
        plan=plan,
    )
    on_call = declared.on_call
    named = texts.oncall.responders(on_call.schedule, on_call.people) if on_call is not None else None
    return render(
        "slack/declared_reply.txt.j2", incident=declared.incident, channel_name=declared.channel, on_call=named
    )


async def _update(command: IncidentCommand) -> Reply:
    async with command.begin.reading() as session:
        incident = await snapshot_of(session=session, target=command.target)
    try:
        await command.open_form(modals.update_view(incident))
    except SlackError as exc:
        return texts.incidents.update_form_failed(exc.error)
    return None


async def _status(command: IncidentCommand) -> Reply:
    word, note = first_word(command.rest)
    if word.lower() not in {status.value for status in Status if status is not Status.CLOSED}:
        raise usage_error("status", texts.incidents.not_a_status(word))
    async with command.begin() as (session, outbox):
        incident = await lifecycle.set_status(
            session=session,
            outbox=outbox,
            target=command.target,
            status=Status(word.lower()),
            by=command.user,
            note=note,
            actor=command.actor,
        )
    return texts.incidents.status_is_now(incident.ref, incident.status)


async def _resolve(command: IncidentCommand) -> Reply:
    async with command.begin() as (session, outbox):
        incident = await lifecycle.resolve(
            session=session,
            outbox=outbox,
            target=command.target,
            by=command.user,
            note=command.rest,
            actor=command.actor,
        )
    return texts.incidents.resolved(incident.ref)


async def _severity(command: IncidentCommand) -> Reply:
    word, extra = first_word(command.rest)
    severity = Severity.parse(word)
    if severity is None or extra:
        raise usage_error("severity", texts.incidents.not_a_severity(command.rest))
    async with command.begin() as (session, outbox):
        incident = await lifecycle.set_severity(
            session=session,
            outbox=outbox,
            target=command.target,
            severity=severity,
            by=command.user,
            actor=command.actor,
        )
    return texts.incidents.severity_is_now(incident.ref, incident.severity)


async def _assign(command: IncidentCommand) -> Reply:
    word, who = first_word(command.rest)
    role, user = RoleName.parse(word), user_mention(who)
    if role is None:
        raise usage_error("assign", texts.incidents.not_a_role(word))
    if user is None:
        raise usage_error("assign", texts.incidents.NAME_ONE_PERSON)
    async with command.begin() as (session, outbox):
        incident = await roles.assign_role(
            session=session,
            outbox=outbox,
            target=command.target,
            role=role,
            user=user,
            by=command.user,
            actor=command.actor,
        )
    return texts.incidents.role_assigned(user, role.title, incident.ref)


async def _note(command: IncidentCommand) -> Reply:
    if not command.rest:
        raise usage_error("note", texts.incidents.NOTE_IS_EMPTY)
    async with command.begin() as (session, outbox):
        incident = await fields.add_note(
            session=session, outbox=outbox, target=command.target, text=command.rest, by=command.user
        )
    return texts.incidents.note_added(incident.ref)


def _field(field: str) -> Run:
    async def run(command: IncidentCommand) -> Reply:
        if not command.rest:
            raise usage_error(field, texts.incidents.field_is_empty(field))
        async with command.begin() as (session, outbox):
            incident = await fields.set_field(
                session=session, outbox=outbox, target=command.target, field=field, text=command.rest, by=command.user
            )
        return texts.incidents.field_updated(field, incident.ref)

    return run


async def _list(command: IncidentCommand) -> Reply:
    async with command.begin.reading() as session:
        open_incidents = await listing.list_open(session=session, viewer=command.actor)
    return render("slack/list.txt.j2", incidents=open_incidents)


async def _timeline(command: IncidentCommand) -> Reply:
    async with command.begin.reading() as session:
        incident, entries, total = await listing.recent_timeline(session=session, target=command.target)
    return render("slack/timeline.txt.j2", incident=incident, entries=entries, total=total)


async def _postmortem(command: IncidentCommand) -> Reply:
    async with command.begin() as (session, outbox):
        incident, drafted = await postmortems.request(
            session=session, outbox=outbox, target=command.target, by=command.user
        )
    return texts.postmortem.rendering(incident.ref, drafted=drafted)


async def _close(command: IncidentCommand) -> Reply:
    async with command.begin() as (session, outbox):
        incident = await postmortems.close(
            session=session, outbox=outbox, target=command.target, by=command.user, actor=command.actor
        )
    return texts.incidents.closed(incident.ref)


async def _followup(command: IncidentCommand) -> Reply:
    action, rest = first_word(command.rest)
    if action.lower() == "add":
        wanted = follow_up_text(rest)
        async with command.begin() as (session, outbox):
            incident, item = await followups.add(
                session=session,
                outbox=outbox,
                target=command.target,
                text=wanted.text,
                by=command.user,
                owner=wanted.owner,
                due=wanted.due,
            )
        return texts.followups.added(item.number, incident.ref)
    if action.lower() == "list":
        async with command.begin.reading() as session:
            incident, items = await followups.list_for(session=session, target=command.target)
        return render("slack/follow_ups.txt.j2", incident=incident, follow_ups=items)
    if action.lower() == "done":
        number = small_number(rest.lstrip("#"))
        if number is None:
            raise usage_error("followup", texts.followups.not_a_number(rest))
        async with command.begin() as (session, outbox):
            incident, item = await followups.complete(
                session=session, outbox=outbox, target=command.target, number=number, by=command.user
            )
        return texts.followups.done(item.number, incident.ref)
    raise usage_error("followup", texts.followups.not_an_action(action))


async def _help(command: IncidentCommand) -> Reply:
    return render("slack/help.txt.j2")


async def _page(command: IncidentCommand) -> Reply:
    return await paging.page(
        begin=command.begin, target=command.target, rest=command.rest, by=command.user, config=command.config
    )


async def _ack(command: IncidentCommand) -> Reply:
    return await paging.acknowledge(begin=command.begin, target=command.target, by=command.user)


SUBCOMMANDS: dict[str, Run] = {
    "declare": _declare,
    "status": _status,
    "update": _update,
    "resolve": _resolve,
    "page": _page,
    "ack": _ack,
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
