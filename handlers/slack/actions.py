"""Buttons on the pinned summary, the forms' submissions, and the message shortcuts.

A click is acknowledged at once; a refusal (a stale summary, a click the clicker may not make, a form
that cannot be taken) is raised, and handlers/slack/errors.py shows it to that person alone.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot import texts
from bot.errors import UserError
from bot.followups import service as followups
from bot.incidents import lifecycle, listing
from bot.incidents.models import IncidentRef
from bot.incidents.target import Target
from bot.permissions import Permissions
from bot.slack.gateway import SlackGateway
from bot.timeline import elsewhere
from bot.timeline.elsewhere import SourceMessage
from bot.unit_of_work import Begin
from handlers.slack import modals
from handlers.slack.payloads import MessageShortcut, SummaryClick, submitter


async def handle_status_action(ack: AsyncAck, body: dict[str, Any], begin: Begin, permissions: Permissions) -> None:
    await ack()
    click = SummaryClick.of(body)
    actor = await permissions.actor(click.user)
    async with begin() as (session, outbox):
        await lifecycle.set_status(
            session=session, outbox=outbox, target=click.target(actor), status=click.status, by=actor.user, actor=actor
        )


async def handle_severity_action(ack: AsyncAck, body: dict[str, Any], begin: Begin, permissions: Permissions) -> None:
    await ack()
    click = SummaryClick.of(body)
    actor = await permissions.actor(click.user)
    async with begin() as (session, outbox):
        await lifecycle.set_severity(
            session=session,
            outbox=outbox,
            target=click.target(actor),
            severity=click.severity,
            by=actor.user,
            actor=actor,
        )


async def handle_resolve_action(ack: AsyncAck, body: dict[str, Any], begin: Begin, permissions: Permissions) -> None:
    await ack()
    click = SummaryClick.of(body)
    actor = await permissions.actor(click.user)
    async with begin() as (session, outbox):
        await lifecycle.resolve(session=session, outbox=outbox, target=click.target(actor), by=actor.user, actor=actor)


async def handle_declare_submission(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], begin: Begin) -> None:
    title, severity, summary = modals.submitted_declaration(view)
    async with begin() as (session, outbox):
        await lifecycle.declare(
            session=session, outbox=outbox, title=title, severity=severity, by=submitter(body), summary=summary
        )
    await ack()


async def handle_update_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], begin: Begin, permissions: Permissions
) -> None:
    number, status, severity, note = modals.submitted_update(view)
    actor = await permissions.actor(submitter(body))
    async with begin() as (session, outbox):
        await lifecycle.update(
            session=session,
            outbox=outbox,
            target=Target(ref=IncidentRef(number), channel_id=None, viewer=actor),
            status=status,
            severity=severity,
            note=note,
            by=actor.user,
            actor=actor,
        )
    await ack()


async def handle_add_to_timeline_shortcut(
    ack: AsyncAck,
    respond: AsyncRespond,
    body: dict[str, Any],
    begin: Begin,
    gateway: SlackGateway,
    permissions: Permissions,
) -> None:
    """The "Add to incident timeline" shortcut on a message anywhere: ask which incident it belongs to."""
    await ack()
    shortcut = MessageShortcut.of(body)
    actor = await permissions.actor(shortcut.user)
    async with begin.reading() as session:
        present = await elsewhere.already_on(session=session, message=shortcut.message, viewer=actor)
        open_incidents = await listing.list_open(session=session, viewer=actor)
    if present is not None:
        await respond(text=present, response_type="ephemeral", replace_original=False)
        return
    if not open_incidents:
        await respond(text=texts.timeline.NO_OPEN_INCIDENTS, response_type="ephemeral")
        return
    view = modals.add_to_timeline_view(open_incidents, source=asdict(shortcut.message))
    await gateway.open_view(shortcut.trigger_id, view)


async def handle_add_to_timeline_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], begin: Begin, permissions: Permissions
) -> None:
    number, source = modals.submitted_timeline_addition(view)
    if number is None:
        raise UserError(texts.timeline.PICK_THE_INCIDENT)
    actor = await permissions.actor(submitter(body))
    async with begin() as (session, outbox):
        await elsewhere.add(
            session=session, outbox=outbox, number=number, message=SourceMessage(**source), viewer=actor
        )
    await ack()


async def handle_follow_up_shortcut(
    ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], begin: Begin, permissions: Permissions
) -> None:
    """The "Make a follow-up" message shortcut on a message of an incident channel."""
    await ack()
    shortcut = MessageShortcut.of(body)
    actor = await permissions.actor(shortcut.user)
    async with begin() as (session, outbox):
        incident, item = await followups.add_from_message(
            session=session,
            outbox=outbox,
            channel_id=shortcut.message.channel_id,
            message_ts=shortcut.message.ts,
            viewer=actor,
        )
    await respond(
        text=texts.followups.added(item.number, incident.ref), response_type="ephemeral", replace_original=False
    )
