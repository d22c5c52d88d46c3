"""How an incident's outbox effects are performed on Slack, reading the incident as it is when they run."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import SlackRejected
from bot.incidents import messaging
from bot.incidents.channel_names import channel_name
from bot.incidents.snapshot import IncidentSnapshot
from bot.outbox.outbox import Effect
from bot.outbox.registry import Performer, Updates
from bot.slack.effects import CLOCK_SKEW_SECONDS, post_once
from bot.slack.gateway import SlackGateway
from storage.engine import Database
from storage.queries import incidents as queries
from storage.tables import OutboxEntry
from storage.types import utcnow

log = logging.getLogger("oncall.outbox")

_MAX_NAME_ATTEMPTS = 50

# One step of an incident's effect, given the incident as stored when the entry is performed.
IncidentStep = Callable[[OutboxEntry, IncidentSnapshot], Awaitable[Updates]]


async def remember_on_incident(session: AsyncSession, entry: OutboxEntry, updates: Updates) -> None:
    if entry.incident_id is None:
        return
    incident = await queries.get_incident(session, entry.incident_id, for_update=True)
    if incident is not None:
        for name, value in updates.items():
            setattr(incident, name, value)


def on_incident(database: Database, step: IncidentStep) -> Performer:
    """A performer that reads the entry's incident first, so it shows the current state (and an entry
    written before the channel existed still finds it), and remembers Slack's answer on the incident."""

    async def perform(entry: OutboxEntry) -> Updates:
        snapshot = None
        if entry.incident_id is not None:
            # Read, then let the connection go: none is held while Slack answers.
            async with database.reading() as session:
                incident = await queries.get_incident(session, entry.incident_id)
                if incident is not None:
                    snapshot = IncidentSnapshot.of(incident, await queries.list_roles(session, entry.incident_id))
        if snapshot is None:
            raise SlackRejected(entry.kind, "the incident of this entry no longer exists")
        return await step(entry, snapshot)

    return Performer(perform, remember_on_incident)


def channel_of(entry: OutboxEntry, incident: IncidentSnapshot) -> str:
    if incident.channel_id is None:
        raise SlackRejected(entry.kind, f"{incident.ref} has no channel: creating it failed")
    return incident.channel_id


class IncidentEffects:
    """The incident's channel, its pinned summary, its announcement and the posts in its channel."""

    def __init__(
        self,
        gateway: SlackGateway,
        database: Database,
        *,
        announce_channel: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._gateway = gateway
        self._database = database
        self._announce_channel = announce_channel
        self._clock = clock

    def performers(self) -> dict[Effect, Performer]:
        steps: dict[Effect, IncidentStep] = {
            Effect.CREATE_CHANNEL: self.create_channel,
            Effect.SET_TOPIC: self.set_topic,
            Effect.SET_PURPOSE: self.set_purpose,
            Effect.INVITE: self.invite,
            Effect.POST_SUMMARY: self.post_summary,
            Effect.PIN_SUMMARY: self.pin_summary,
            Effect.UPDATE_SUMMARY: self.update_summary,
            Effect.ANNOUNCE: self.announce,
            Effect.UPDATE_ANNOUNCEMENT: self.update_announcement,
            Effect.POST: self.post,
            Effect.ADD_BOOKMARK: self.add_bookmark,
        }
        return {effect: on_incident(self._database, step) for effect, step in steps.items()}

    async def create_channel(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.channel_id is not None:
            return {}
        bot_user = await self._gateway.bot_user_id()
        for attempt in range(1, _MAX_NAME_ATTEMPTS + 1):
            name = channel_name(incident.number, incident.title, attempt=attempt)
            try:
                channel_id = await self._gateway.create_channel(name, is_private=incident.is_private)
                return {"channel_id": channel_id, "channel_name": name}
            except SlackRejected as exc:
                if exc.error != "name_taken":
                    raise
            existing = await self._gateway.find_channel(name)
            if (
                existing is not None
                and existing.creator == bot_user
                and not existing.is_archived
                and existing.created >= entry.created_at.timestamp() - CLOCK_SKEW_SECONDS
            ):
                # Our own earlier attempt created it and its reply was lost: adopt, don't duplicate.
                return {"channel_id": existing.id, "channel_name": name}
        raise SlackRejected("conversations.create", f"name_taken for {_MAX_NAME_ATTEMPTS} names")

    async def set_topic(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        await self._gateway.set_topic(channel_of(entry, incident), messaging.topic(incident))
        return {}

    async def set_purpose(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        await self._gateway.set_purpose(channel_of(entry, incident), messaging.purpose(incident))
        return {}

    async def invite(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        bot_user = await self._gateway.bot_user_id()
        wanted = set(entry.payload.get("users") or [])
        if entry.payload.get("usergroup"):
            wanted.update(await self._gateway.usergroup_members(entry.payload["usergroup"]))
        users = sorted(user for user in wanted if user and user != bot_user)
        if not users:
            return {}
        try:
            await self._gateway.invite(channel_of(entry, incident), users)
        except SlackRejected as exc:
            if exc.error != "already_in_channel":
                raise
        return {}

    async def post_summary(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.summary_ts is not None:
            return {}
        ts = await post_once(
            self._gateway,
            entry,
            channel_of(entry, incident),
            text=messaging.summary_text(incident),
            blocks=messaging.summary_blocks(incident, now=self._clock()),
        )
        return {"summary_ts": ts}

    async def pin_summary(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.summary_ts is None:
            raise SlackRejected(entry.kind, f"{incident.ref} has no summary message to pin")
        try:
            await self._gateway.pin(channel_of(entry, incident), incident.summary_ts)
        except SlackRejected as exc:
            if exc.error != "already_pinned":
                raise
        return {}

    async def update_summary(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.summary_ts is None:  # not posted yet: it will be posted with the current state
            return {}
        await self._gateway.update_message(
            channel_of(entry, incident),
            incident.summary_ts,
            text=messaging.summary_text(incident),
            blocks=messaging.summary_blocks(incident, now=self._clock()),
        )
        return {}

    async def announce(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.announcement_ts is not None:
            return {}
        channel = await self._gateway.resolve_channel(incident.announce_channel or self._announce_channel)
        ts = await post_once(
            self._gateway,
            entry,
            channel,
            text=messaging.announcement_text(incident),
            blocks=messaging.announcement_blocks(incident),
        )
        return {"announcement_channel_id": channel, "announcement_ts": ts}

    async def update_announcement(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.announcement_ts is None or incident.announcement_channel_id is None:
            return {}
        await self._gateway.update_message(
            incident.announcement_channel_id,
            incident.announcement_ts,
            text=messaging.announcement_text(incident),
            blocks=messaging.announcement_blocks(incident),
        )
        return {}

    async def post(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        await post_once(
            self._gateway,
            entry,
            channel_of(entry, incident),
            text=entry.payload["text"],
            blocks=entry.payload.get("blocks"),
            thread_ts=entry.payload.get("thread_ts"),
        )
        return {}

    async def add_bookmark(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        channel = channel_of(entry, incident)
        link = entry.payload["link"]
        # A retry after a lost reply must not add the same bookmark twice.
        if link in await self._gateway.bookmark_links(channel):
            return {}
        try:
            await self._gateway.add_bookmark(channel, title=entry.payload["title"], link=link)
        except SlackRejected as exc:
            if exc.error != "invalid_link":
                raise
            log.warning("bookmark.skipped incident=%s link=%r error=%s", incident.number, link, exc.error)
        return {}
