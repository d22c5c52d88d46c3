"""The Acknowledge, Silence 1h and Silence… buttons of alert messages, the Silence… form, and Expire.

A trigger_id lives 3 seconds, so Silence… opens its form from here (a read, then views.open) rather than
through the outbox. Refusals are raised, and handlers/slack/errors.py answers them where the person clicked.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot import texts
from bot.alertmanager import silences
from bot.alertmanager.client import AlertmanagerClient
from bot.alertmanager.matchers import parse_matcher
from bot.alerts.actions import INCIDENT, parse_scope
from bot.clock import utcnow
from bot.config.schema import OncallConfig
from bot.errors import UsageError, UserError
from bot.incidents.models import IncidentRef
from bot.incidents.target import Target
from bot.paging import service as paging
from bot.permissions import Permissions
from bot.slack.gateway import SlackGateway
from bot.unit_of_work import Begin
from bot.values.durations import parse_duration
from handlers.slack import silence_form

HOUR = timedelta(hours=1)


def _clicked(body: dict[str, Any]) -> tuple[str, int, str]:
    scope = parse_scope(str(body["actions"][0].get("value", "")))
    if scope is None:
        raise UserError(texts.alert_actions.NOTHING_TO_SILENCE)
    return scope[0], scope[1], str(body["user"]["id"])


async def handle_acknowledge_click(
    ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], begin: Begin, permissions: Permissions
) -> None:
    await ack()
    kind, number, user = _clicked(body)
    async with begin() as (session, outbox):
        if kind == INCIDENT:
            target = Target(ref=IncidentRef(number), viewer=await permissions.actor(user))
            text = await paging.acknowledge(session=session, outbox=outbox, target=target, by=user, now=utcnow())
        else:
            text = await silences.acknowledge_group(
                session=session, outbox=outbox, group_id=number, by=user, now=utcnow()
            )
    await respond(text=text, response_type="ephemeral", replace_original=False)


async def silence(
    *,
    begin: Begin,
    config: OncallConfig,
    permissions: Permissions,
    alertmanager: AlertmanagerClient,
    kind: str,
    number: int,
    user: str,
    duration: timedelta,
    comment: str = "",
    matchers: list[dict[str, Any]] | None = None,
) -> str:
    chosen = silences.pick(config.alertmanagers)
    async with begin() as (session, outbox):
        viewer = await permissions.actor(user)
        incident_id, group, shared = await silences.scope_matchers(
            session=session, kind=kind, number=number, viewer=viewer
        )
        made = await silences.create(
            session=session,
            outbox=outbox,
            alertmanager=chosen,
            matchers=matchers if matchers is not None else shared,
            duration=duration,
            by=user,
            comment=comment,
            now=utcnow(),
            channel=group.channel if group is not None else None,
            incident_id=incident_id,
            group_id=group.id if group is not None else None,
        )
    reachable = await alertmanager.reachable(chosen)
    return texts.alert_actions.silenced(made.id, made.matchers, made.ends_at, reachable=reachable)


async def handle_silence_hour_click(
    ack: AsyncAck,
    respond: AsyncRespond,
    body: dict[str, Any],
    begin: Begin,
    config: OncallConfig,
    permissions: Permissions,
    alertmanager: AlertmanagerClient,
) -> None:
    await ack()
    kind, number, user = _clicked(body)
    text = await silence(
        begin=begin,
        config=config,
        permissions=permissions,
        alertmanager=alertmanager,
        kind=kind,
        number=number,
        user=user,
        duration=HOUR,
    )
    await respond(text=text, response_type="ephemeral", replace_original=False)


async def handle_silence_form_click(
    ack: AsyncAck,
    body: dict[str, Any],
    begin: Begin,
    config: OncallConfig,
    gateway: SlackGateway,
    permissions: Permissions,
) -> None:
    await ack()
    kind, number, user = _clicked(body)
    silences.pick(config.alertmanagers)  # no Alertmanager: say so now, not after the form is filled in
    async with begin.reading() as session:
        _, _, matchers = await silences.scope_matchers(
            session=session, kind=kind, number=number, viewer=await permissions.actor(user)
        )
    await gateway.open_view(str(body["trigger_id"]), silence_form.view(kind, number, matchers))


async def handle_silence_form_submission(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    begin: Begin,
    config: OncallConfig,
    permissions: Permissions,
    alertmanager: AlertmanagerClient,
) -> None:
    lines, duration_text, comment = silence_form.submitted(view)
    matchers = [parse_matcher(line) for line in lines]
    try:
        duration = parse_duration(duration_text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not matchers:
        raise UsageError(texts.alert_actions.NEEDS_MATCHERS)
    scope = json.loads(view.get("private_metadata") or "{}")
    await silence(
        begin=begin,
        config=config,
        permissions=permissions,
        alertmanager=alertmanager,
        kind=str(scope.get("kind")),
        number=int(scope.get("number", 0)),
        user=str(body["user"]["id"]),
        duration=duration,
        comment=comment,
        matchers=matchers,
    )
    await ack()
