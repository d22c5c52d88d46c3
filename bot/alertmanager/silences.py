"""Silences made from Slack: stored with their outbox entry in one transaction, made in Alertmanager after.

A silence is a row first (state pending) and an outbox entry in its own lane, so an unreachable
Alertmanager leaves nothing half-made: the entry is retried until it answers. Its comment in
Alertmanager carries the row's id (`[oncall-bot silence #12]`), which is how a retried entry finds the
silence it already made when the answer was lost (bot/alertmanager/effects.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.alertmanager.matchers import common_labels
from bot.config.alertmanagers import AlertmanagerConfig
from bot.errors import IncidentNotFound, UserError
from bot.incidents.models import IncidentRef
from bot.incidents.target import Target, load, record
from bot.outbox.outbox import Effect, Outbox, alert_group_lane, incident_lane, silence_lane
from bot.visibility import Viewer, visible
from storage.enums import SilenceState
from storage.queries import alerts as alert_queries
from storage.queries import incidents as incident_queries
from storage.queries import silences as queries
from storage.tables import AlertGroup, Silence

MOST = timedelta(days=texts.alert_actions.MOST_DAYS)
FIRING = "firing"
# The messages showing "silenced until … by …" are redrawn this soon (ingestion's own redraws wait as long).
REDRAW_DELAY_SECONDS = 1.0


def pick(alertmanagers: Sequence[AlertmanagerConfig], name: str | None = None) -> AlertmanagerConfig:
    """The one named, or the first; refused with how to configure one."""
    if not alertmanagers:
        raise UserError(texts.alert_actions.NO_ALERTMANAGER)
    if name is None:
        return alertmanagers[0]
    for alertmanager in alertmanagers:
        if alertmanager.name.lower() == name.lower():
            return alertmanager
    raise UserError(texts.alert_actions.no_such_alertmanager(name, [a.name for a in alertmanagers]))


async def incident_matchers(*, session: AsyncSession, target: Target) -> tuple[int, list[dict[str, Any]]]:
    """The incident of the channel and the labels all its (firing) alerts share, as equality matchers."""
    try:
        incident = await load(session=session, target=target)
    except IncidentNotFound:  # not an incident's channel: what is missing is the matchers
        raise UserError(texts.alert_actions.NEEDS_MATCHERS) from None
    assert incident.id is not None
    alerts = await alert_queries.list_incident_alerts(session, incident.id)
    firing = [alert for alert in alerts if alert.status == FIRING] or list(alerts)
    matchers = common_labels(alert.labels for alert in firing)
    if not matchers:
        raise UserError(texts.alert_actions.NO_COMMON_LABELS)
    return incident.id, matchers


async def create(
    *,
    session: AsyncSession,
    outbox: Outbox,
    alertmanager: AlertmanagerConfig,
    matchers: list[dict[str, Any]],
    duration: timedelta,
    by: str,
    comment: str,
    now: datetime,
    channel: str | None = None,
    incident_id: int | None = None,
    group_id: int | None = None,
) -> Silence:
    if duration > MOST:
        raise UserError(texts.alert_actions.too_long())
    if not matchers:
        raise UserError(texts.alert_actions.NEEDS_MATCHERS)
    silence = await queries.add(
        session,
        Silence(
            alertmanager=alertmanager.name,
            matchers=matchers,
            starts_at=now,
            ends_at=now + duration,
            created_by=by,
            comment=comment,
            channel=channel,
            incident_id=incident_id,
            group_id=group_id,
        ),
    )
    assert silence.id is not None
    outbox.add(Effect.CREATE_SILENCE, incident_id=None, lane=silence_lane(silence.id), silence_id=silence.id)
    await redraw(session=session, outbox=outbox, incident_id=incident_id, group_id=group_id)
    if incident_id is not None:
        await record_on(
            session, incident_id, texts.alert_actions.timeline_silenced(silence.id, matchers, silence.ends_at), by
        )
    return silence


async def expire(
    *, session: AsyncSession, outbox: Outbox, named: str, by: str, now: datetime, viewer: Viewer
) -> Silence:
    """Expire a silence named by its number (#12) or by Alertmanager's id.

    A silence of a private incident the viewer may not see is refused as one that does not exist.
    """
    number = named.strip().lstrip("#")
    # A number no row can have (too long for any integer column) is looked up as Alertmanager's id, and not found.
    is_ours = number.isascii() and number.isdigit() and len(number) <= 9
    silence = await (queries.get(session, int(number)) if is_ours else queries.by_am_id(session, number))
    if silence is None or silence.state == SilenceState.EXPIRED or silence.ends_at <= now:
        raise UserError(texts.alert_actions.no_such_silence(named.strip()))
    if not await _shown_to(session, silence, viewer):
        raise UserError(texts.alert_actions.no_such_silence(named.strip()))
    assert silence.id is not None
    silence.state, silence.expired_by, silence.expired_at = SilenceState.EXPIRED, by, now
    outbox.add(Effect.EXPIRE_SILENCE, incident_id=None, lane=silence_lane(silence.id), silence_id=silence.id)
    await redraw(session=session, outbox=outbox, incident_id=silence.incident_id, group_id=silence.group_id)
    if silence.incident_id is not None:
        await record_on(session, silence.incident_id, texts.alert_actions.timeline_expired(silence.id), by)
    return silence


async def active(*, session: AsyncSession, now: datetime, viewer: Viewer) -> list[Silence]:
    """The silences not ended yet, less those of private incidents the viewer may not see."""
    return [
        silence for silence in await queries.not_ended(session, now=now) if await _shown_to(session, silence, viewer)
    ]


async def _shown_to(session: AsyncSession, silence: Silence, viewer: Viewer) -> bool:
    # A private incident's silence names its alerts' labels: it exists only for those who may see the incident.
    if silence.incident_id is None:
        return True
    incident = await incident_queries.get_incident(session, silence.incident_id)
    return incident is None or await visible(incident, viewer)


async def record_on(session: AsyncSession, incident_id: int, text: str, by: str) -> None:
    """On the incident's timeline."""
    # By id, not through Target: the silence's incident may be private, and its maker was let in already.
    incident = await incident_queries.get_incident(session, incident_id)
    if incident is not None:
        await record(session=session, incident=incident, kind="silence", text=text, by=by)


async def redraw(*, session: AsyncSession, outbox: Outbox, incident_id: int | None, group_id: int | None) -> None:
    """The message the silence (or acknowledgement) shows on: the incident's alert list, or the group's post."""
    if incident_id is not None:
        lane = incident_lane(incident_id)
        await outbox.sync(Effect.SYNC_ALERTS, incident_id=incident_id, lane=lane, delay=REDRAW_DELAY_SECONDS)
    group = await alert_queries.get_group_by_id(session, group_id) if group_id is not None else None
    if group is not None and group.message_ts is not None:
        await outbox.sync(
            Effect.SYNC_ALERT_GROUP,
            incident_id=None,
            lane=alert_group_lane(group_id or 0),
            delay=REDRAW_DELAY_SECONDS,
            group_id=group_id,
            channel=group.channel,
        )


async def scope_matchers(
    *, session: AsyncSession, kind: str, number: int, viewer: Viewer
) -> tuple[int | None, AlertGroup | None, list[dict[str, Any]]]:
    """What a button on an alert message acts on, and the labels its alerts share: (incident id, group, matchers)."""
    if kind == "incident":
        incident_id, matchers = await incident_matchers(
            session=session, target=Target(ref=IncidentRef(number), viewer=viewer)
        )
        return incident_id, None, matchers
    group = await alert_queries.get_group_by_id(session, number)
    if group is None:
        raise UserError(texts.alert_actions.NOTHING_TO_SILENCE)
    alerts = await alert_queries.list_group_alerts(session, number)
    firing = [alert for alert in alerts if alert.status == FIRING] or list(alerts)
    matchers = common_labels(alert.labels for alert in firing)
    if not matchers:
        raise UserError(texts.alert_actions.NO_COMMON_LABELS)
    return None, group, matchers


async def acknowledge_group(*, session: AsyncSession, outbox: Outbox, group_id: int, by: str, now: datetime) -> str:
    """Acknowledge on the post of a group that opened no incident: said on the post, once."""
    group = await alert_queries.get_group_by_id(session, group_id)
    if group is None:
        raise UserError(texts.alert_actions.NOTHING_TO_SILENCE)
    if group.acknowledged_by is not None:
        raise UserError(texts.alert_actions.already_acknowledged(group.acknowledged_by))
    group.acknowledged_by, group.acknowledged_at = by, now
    await redraw(session=session, outbox=outbox, incident_id=None, group_id=group_id)
    return texts.alert_actions.group_acknowledged(by)
