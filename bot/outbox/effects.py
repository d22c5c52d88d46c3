"""How each outbox effect is performed on Slack, reading the incident as it is now."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.errors import SlackRejected
from bot.incidents import messaging
from bot.incidents.channel_names import channel_name
from bot.incidents.snapshot import IncidentSnapshot
from bot.outbox.outbox import Effect
from bot.slack.gateway import SlackGateway
from storage.tables import OutboxEntry
from storage.types import utcnow

# A lost reply can only hide a channel created by an attempt at this entry, so never after it was stored.
_CLOCK_SKEW_SECONDS = 120
_MAX_NAME_ATTEMPTS = 50

Updates = dict[str, Any]


@dataclass
class EffectRunner:
    """Performs outbox entries; returns the incident fields Slack told us (channel id, message ts)."""

    gateway: SlackGateway
    announce_channel: str
    clock: Callable[[], datetime] = utcnow

    async def perform(self, entry: OutboxEntry, incident: IncidentSnapshot | None) -> Updates:
        handler: Callable[[OutboxEntry, IncidentSnapshot], Awaitable[Updates]] = getattr(self, f"_{entry.kind}")
        if incident is None:
            raise SlackRejected(entry.kind, "the incident of this entry no longer exists")
        return await handler(entry, incident)

    @staticmethod
    def _channel(entry: OutboxEntry, incident: IncidentSnapshot) -> str:
        if incident.channel_id is None:
            raise SlackRejected(entry.kind, f"{incident.ref} has no channel: creating it failed")
        return incident.channel_id

    async def _create_channel(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.channel_id is not None:
            return {}
        bot_user = await self.gateway.bot_user_id()
        for attempt in range(1, _MAX_NAME_ATTEMPTS + 1):
            name = channel_name(incident.number, incident.title, attempt=attempt)
            try:
                return {"channel_id": await self.gateway.create_channel(name), "channel_name": name}
            except SlackRejected as exc:
                if exc.error != "name_taken":
                    raise
            existing = await self.gateway.find_channel(name)
            if (
                existing is not None
                and existing.creator == bot_user
                and not existing.is_archived
                and existing.created >= entry.created_at.timestamp() - _CLOCK_SKEW_SECONDS
            ):
                # Our own earlier attempt created it and its reply was lost: adopt, don't duplicate.
                return {"channel_id": existing.id, "channel_name": name}
        raise SlackRejected("conversations.create", f"name_taken for {_MAX_NAME_ATTEMPTS} names")

    async def _set_topic(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        await self.gateway.set_topic(self._channel(entry, incident), messaging.topic(incident))
        return {}

    async def _set_purpose(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        await self.gateway.set_purpose(self._channel(entry, incident), messaging.purpose(incident))
        return {}

    async def _invite(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        bot_user = await self.gateway.bot_user_id()
        users = sorted({user for user in entry.payload.get("users", []) if user and user != bot_user})
        if not users:
            return {}
        try:
            await self.gateway.invite(self._channel(entry, incident), users)
        except SlackRejected as exc:
            if exc.error != "already_in_channel":
                raise
        return {}

    async def _post_summary(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.summary_ts is not None:
            return {}
        ts = await self.gateway.post_message(
            self._channel(entry, incident),
            text=messaging.summary_text(incident),
            blocks=messaging.summary_blocks(incident, now=self.clock()),
        )
        return {"summary_ts": ts}

    async def _pin_summary(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.summary_ts is None:
            raise SlackRejected(entry.kind, f"{incident.ref} has no summary message to pin")
        try:
            await self.gateway.pin(self._channel(entry, incident), incident.summary_ts)
        except SlackRejected as exc:
            if exc.error != "already_pinned":
                raise
        return {}

    async def _update_summary(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.summary_ts is None:  # not posted yet: it will be posted with the current state
            return {}
        await self.gateway.update_message(
            self._channel(entry, incident),
            incident.summary_ts,
            text=messaging.summary_text(incident),
            blocks=messaging.summary_blocks(incident, now=self.clock()),
        )
        return {}

    async def _announce(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.announcement_ts is not None:
            return {}
        channel = await self.gateway.resolve_channel(self.announce_channel)
        ts = await self.gateway.post_message(
            channel,
            text=messaging.announcement_text(incident),
            blocks=messaging.announcement_blocks(incident),
        )
        return {"announcement_channel_id": channel, "announcement_ts": ts}

    async def _update_announcement(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        if incident.announcement_ts is None or incident.announcement_channel_id is None:
            return {}
        await self.gateway.update_message(
            incident.announcement_channel_id,
            incident.announcement_ts,
            text=messaging.announcement_text(incident),
            blocks=messaging.announcement_blocks(incident),
        )
        return {}

    async def _post(self, entry: OutboxEntry, incident: IncidentSnapshot) -> Updates:
        await self.gateway.post_message(
            self._channel(entry, incident),
            text=entry.payload["text"],
            thread_ts=entry.payload.get("thread_ts"),
        )
        return {}


assert all(hasattr(EffectRunner, f"_{effect.value}") for effect in Effect), "an Effect without a performer"
