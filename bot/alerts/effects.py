"""How alert messages are performed from the outbox: each is redrawn from the alerts as they are when it runs."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alerts import actions, messaging
from bot.errors import SlackRejected
from bot.incidents.effects import channel_of, on_incident
from bot.incidents.snapshot import IncidentSnapshot
from bot.outbox.outbox import Effect
from bot.outbox.registry import Performer, Updates
from bot.slack.effects import post_once
from bot.slack.gateway import SlackGateway
from storage.engine import Database
from storage.queries import alerts as queries
from storage.queries import silences as silence_queries
from storage.tables import AlertGroup, AlertRollup, OutboxEntry
from storage.types import utcnow


async def _remember_on_group(session: AsyncSession, entry: OutboxEntry, updates: Updates) -> None:
    group = await queries.get_group_by_id(session, int(entry.payload["group_id"]))
    if group is not None:
        for name, value in updates.items():
            setattr(group, name, value)


async def _remember_on_rollup(session: AsyncSession, entry: OutboxEntry, updates: Updates) -> None:
    rollup = await queries.get_rollup(session, int(entry.payload["rollup_id"]))
    if rollup is not None:
        for name, value in updates.items():
            setattr(rollup, name, value)


class AlertEffects:
    """An incident's alert list, and the alerts channels' messages for groups and storms."""

    def __init__(self, gateway: SlackGateway, database: Database) -> None:
        self._gateway = gateway
        self._database = database

    def performers(self) -> dict[Effect, Performer]:
        return {
            Effect.SYNC_ALERTS: on_incident(self._database, self.sync_alerts),
            Effect.SYNC_ALERT_GROUP: Performer(self.sync_alert_group, _remember_on_group),
            Effect.SYNC_ALERT_ROLLUP: Performer(self.sync_alert_rollup, _remember_on_rollup),
        }

    async def sync_alerts(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        """Post the incident's alert list, or redraw it with every alert as it is now."""
        async with self._database.reading() as session:
            alerts = await queries.list_incident_alerts(session, incident.number)
            silences = await silence_queries.shown_on(session, now=utcnow(), incident_id=incident.number)
        text, blocks = messaging.incident_alerts(incident.number, alerts)
        blocks += actions.action_blocks(actions.scope(actions.INCIDENT, incident.number), silences)
        channel = channel_of(entry, incident)
        if incident.alerts_ts is not None:
            await self._gateway.update_message(channel, incident.alerts_ts, text=text, blocks=blocks)
            return {}
        return {"alerts_ts": await post_once(self._gateway, entry, channel, text=text, blocks=blocks)}

    async def sync_alert_group(self, entry: OutboxEntry) -> Updates:
        """Post an alert group that opened no incident in its alerts channel, or redraw that post."""
        async with self._database.reading() as session:
            group = await queries.get_group_by_id(session, int(entry.payload["group_id"]))
            if group is None:
                raise SlackRejected(entry.kind, "the alert group of this entry no longer exists")
            alerts = await queries.list_group_alerts(session, int(entry.payload["group_id"]))
            silences = await silence_queries.shown_on(session, now=utcnow(), group_id=group.id)
        text, blocks = messaging.group_message(alerts, incident_number=group.incident_id)
        if group.incident_id is None:  # one that has an incident is acted on from the incident's alert list
            blocks += actions.action_blocks(actions.scope(actions.GROUP, group.id), silences, group=group)
        return await self._post_or_redraw(entry, group, text=text, blocks=blocks)

    async def sync_alert_rollup(self, entry: OutboxEntry) -> Updates:
        """Post a storm's rollup in its alerts channel, or redraw it with every group as it is now."""
        rollup_id = int(entry.payload["rollup_id"])
        async with self._database.reading() as session:
            rollup = await queries.get_rollup(session, rollup_id)
            if rollup is None:
                raise SlackRejected(entry.kind, "the alert rollup of this entry no longer exists")
            groups = await queries.list_rollup_groups(session, rollup_id)
            alerts = await queries.list_rollup_alerts(session, rollup_id)
            incident_ids = {group.incident_id for group in groups if group.incident_id is not None}
            incidents = await queries.list_incidents(session, incident_ids)
        lines = messaging.rolled_groups(groups, alerts, incidents)
        text, blocks = messaging.rollup_message(lines, since=rollup.started_at)
        return await self._post_or_redraw(entry, rollup, text=text, blocks=blocks)

    async def _post_or_redraw(
        self, entry: OutboxEntry, shown: AlertGroup | AlertRollup, *, text: str, blocks: list[dict[str, Any]]
    ) -> Updates:
        """An alerts channel's message: redrawn once posted, else posted once and remembered."""
        if shown.message_ts is not None and shown.message_channel_id is not None:
            await self._gateway.update_message(shown.message_channel_id, shown.message_ts, text=text, blocks=blocks)
            return {}
        channel = await self._gateway.resolve_channel(shown.channel)
        ts = await post_once(self._gateway, entry, channel, text=text, blocks=blocks)
        return {"message_channel_id": channel, "message_ts": ts}
