"""Buttons on the pinned summary and the declare form's submission."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UserError
from bot.followups import service as followups
from bot.incidents import service as incidents
from bot.incidents.models import IncidentRef, Severity, Status
from bot.incidents.service import Target
from bot.outbox import Outbox
from bot.permissions import Actor, Permissions
from bot.slack.gateway import SlackGateway
from bot.timeline import elsewhere
from bot.timeline.elsewhere import SourceMessage
from bot.unit_of_work import Begin
from handlers.slack import modals


def _target(body: dict[str, Any], actor: Actor) -> Target:
    action = body["actions"][0]
    number = str(action.get("block_id", "")).rpartition("_")[2]
    ref = IncidentRef.parse(action.get("value") or number)
    return Target(ref=ref, channel_id=(body.get("channel") or {}).get("id"), viewer=actor)


def _selected(body: dict[str, Any]) -> str:
    return str((body["actions"][0].get("selected_option") or {}).get("value", ""))


Change = Callable[[AsyncSession, Outbox, Target, Actor, dict[str, Any]], Awaitable[object]]


async def _change(
    ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], begin: Begin, permissions: Permissions, change: Change
) -> None:
    """Ack at once; a click on a stale summary, or one the clicker may not make, is explained to them alone."""
    await ack()
    try:
        actor = await permissions.actor(body["user"]["id"])
        async with begin() as (session, outbox):
            await change(session, outbox, _target(body, actor), actor, body)
    except (UserError, ValueError) as exc:
        await respond(text=str(exc), response_type="ephemeral", replace_original=False)


async def handle_status_action(
    ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], begin: Begin, permissions: Permissions
) -> None:
    await _change(
        ack,
        respond,
        body,
        begin,
        permissions,
        lambda session, outbox, target, actor, body: incidents.set_status(
            session=session, outbox=outbox, target=target, status=Status(_selected(body)), by=actor.user, actor=actor
        ),
    )


async def handle_severity_action(
    ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], begin: Begin, permissions: Permissions
) -> None:
    await _change(
        ack,
        respond,
        body,
        begin,
        permissions,
        lambda session, outbox, target, actor, body: incidents.set_severity(
            session=session,
            outbox=outbox,
            target=target,
            severity=Severity(_selected(body)),
            by=actor.user,
            actor=actor,
        ),
    )


async def handle_resolve_action(
    ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], begin: Begin, permissions: Permissions
) -> None:
    await _change(
        ack,
        respond,
        body,
        begin,
        permissions,
        lambda session, outbox, target, actor, body: incidents.resolve(
            session=session, outbox=outbox, target=target, by=actor.user, actor=actor
        ),
    )


async def handle_declare_submission(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], begin: Begin) -> None:
    title, severity, summary = modals.submitted_declaration(view)
    try:
        async with begin() as (session, outbox):
            await incidents.declare(
                session=session,
                outbox=outbox,
                title=title,
                severity=severity,
                by=body["user"]["id"],
                summary=summary,
            )
    except UserError as exc:
        await ack(response_action="errors", errors={modals.TITLE_BLOCK: str(exc)})
        return
    await ack()


async def handle_update_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], begin: Begin, permissions: Permissions
) -> None:
    number, status, severity, note = modals.submitted_update(view)
    try:
        actor = await permissions.actor(body["user"]["id"])
        async with begin() as (session, outbox):
            await incidents.update(
                session=session,
                outbox=outbox,
                target=Target(ref=IncidentRef(number), channel_id=None, viewer=actor),
                status=status,
                severity=severity,
                note=note,
                by=actor.user,
                actor=actor,
            )
    except UserError as exc:  # shown under the form's first field; the form stays open
        await ack(response_action="errors", errors={modals.STATUS_BLOCK: str(exc)})
        return
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
    actor = await permissions.actor(body["user"]["id"])
    message = body.get("message") or {}
    source = SourceMessage(
        channel_id=(body.get("channel") or {}).get("id", ""),
        ts=str(message.get("ts", "")),
        author=message.get("user"),
        text=str(message.get("text", "")),
    )
    async with begin.reading() as session:
        present = await elsewhere.already_on(session, source, actor)
        open_incidents = await incidents.list_open(session=session, viewer=actor)
    if present is not None:
        await respond(text=present, response_type="ephemeral", replace_original=False)
        return
    if not open_incidents:
        await respond(text="There are no open incidents to add it to.", response_type="ephemeral")
        return
    view = modals.add_to_timeline_view(open_incidents, source=asdict(source))
    await gateway.open_view(body["trigger_id"], view)


async def handle_add_to_timeline_submission(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], begin: Begin, permissions: Permissions
) -> None:
    number, source = modals.submitted_timeline_addition(view)
    if number is None:
        await ack(response_action="errors", errors={modals.INCIDENT_BLOCK: "Pick the incident it belongs to."})
        return
    try:
        actor = await permissions.actor(body["user"]["id"])
        async with begin() as (session, outbox):
            await elsewhere.add(
                session=session, outbox=outbox, number=number, message=SourceMessage(**source), viewer=actor
            )
    except UserError as exc:
        await ack(response_action="errors", errors={modals.INCIDENT_BLOCK: str(exc)})
        return
    await ack()


async def handle_follow_up_shortcut(
    ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], begin: Begin, permissions: Permissions
) -> None:
    """The "Make a follow-up" message shortcut on a message of an incident channel."""
    await ack()
    try:
        actor = await permissions.actor(body["user"]["id"])
        async with begin() as (session, outbox):
            incident, item = await followups.add_from_message(
                session=session,
                outbox=outbox,
                channel_id=(body.get("channel") or {}).get("id", ""),
                message_ts=(body.get("message") or {}).get("ts", ""),
                viewer=actor,
            )
    except UserError as exc:
        await respond(text=str(exc), response_type="ephemeral", replace_original=False)
        return
    await respond(
        text=f"Follow-up #{item.number} added to {incident.ref}.", response_type="ephemeral", replace_original=False
    )
