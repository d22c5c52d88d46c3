"""Buttons on the pinned summary and the declare form's submission."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.errors import UserError
from bot.incidents import service as incidents
from bot.incidents.models import IncidentRef, Severity, Status
from bot.incidents.service import Target
from bot.unit_of_work import Begin
from handlers.slack import modals


def _target(body: dict[str, Any]) -> Target:
    action = body["actions"][0]
    number = str(action.get("block_id", "")).rpartition("_")[2]
    ref = IncidentRef.parse(action.get("value") or number)
    return Target(ref=ref, channel_id=(body.get("channel") or {}).get("id"))


def _selected(body: dict[str, Any]) -> str:
    return str((body["actions"][0].get("selected_option") or {}).get("value", ""))


async def _run(ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], begin: Begin, change: str) -> None:
    await ack()
    user, target = body["user"]["id"], _target(body)
    try:
        async with begin() as (session, outbox):
            if change == "status":
                await incidents.set_status(
                    session=session, outbox=outbox, target=target, status=Status(_selected(body)), by=user
                )
            elif change == "severity":
                await incidents.set_severity(
                    session=session, outbox=outbox, target=target, severity=Severity(_selected(body)), by=user
                )
            else:
                await incidents.resolve(session=session, outbox=outbox, target=target, by=user)
    except (UserError, ValueError) as exc:
        await respond(text=str(exc), response_type="ephemeral", replace_original=False)


async def handle_status_action(ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], begin: Begin) -> None:
    await _run(ack, respond, body, begin, "status")


async def handle_severity_action(ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], begin: Begin) -> None:
    await _run(ack, respond, body, begin, "severity")


async def handle_resolve_action(ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], begin: Begin) -> None:
    await _run(ack, respond, body, begin, "resolve")


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
