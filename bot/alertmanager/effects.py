"""Silences made and expired in Alertmanager, from the outbox.

Creating is safe to retry when Alertmanager made the silence but its answer was lost: before posting,
the performer lists Alertmanager's silences and adopts the one whose comment carries this silence's
marker (`[oncall-bot silence #12]`), so one command never makes two silences.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.alertmanager.client import AlertmanagerClient
from bot.config.alertmanagers import AlertmanagerConfig
from bot.errors import AlertmanagerRefused
from bot.outbox.outbox import Effect
from bot.outbox.registry import Performer, Updates, nothing_to_remember
from bot.slack.gateway import SlackGateway
from storage.engine import Database
from storage.enums import SilenceState
from storage.queries import silences as queries
from storage.tables import OutboxEntry, Silence
from storage.types import utcnow

EXPIRED = "expired"


class SilenceEffects:
    def __init__(
        self,
        client: AlertmanagerClient,
        gateway: SlackGateway,
        database: Database,
        alertmanagers: Sequence[AlertmanagerConfig],
    ) -> None:
        self._client = client
        self._gateway = gateway
        self._database = database
        self._alertmanagers = {a.name.lower(): a for a in alertmanagers}

    def performers(self) -> dict[Effect, Performer]:
        return {
            Effect.CREATE_SILENCE: Performer(self.create, self.remember_created),
            Effect.EXPIRE_SILENCE: Performer(self.expire, nothing_to_remember),
        }

    async def _silence(self, entry: OutboxEntry) -> tuple[Silence, AlertmanagerConfig] | None:
        async with self._database.reading() as session:
            silence = await queries.get(session, int(entry.payload["silence_id"]))
        if silence is None:
            return None
        alertmanager = self._alertmanagers.get(silence.alertmanager.lower())
        if alertmanager is None:  # removed from the config since: the same call would fail again
            raise AlertmanagerRefused(f"Alertmanager {silence.alertmanager}", "is no longer configured")
        return silence, alertmanager

    async def create(self, entry: OutboxEntry) -> Updates:
        found = await self._silence(entry)
        if found is None:
            return {}
        silence, alertmanager = found
        now = utcnow()
        # Expired from Slack before Alertmanager answered, or past its end: there is nothing to make.
        if silence.state != SilenceState.PENDING or silence.ends_at <= now:
            return {}
        made = await self._made(alertmanager, silence)
        if made is None:
            made = await self._client.create_silence(alertmanager, await self._postable(silence, now))
        return {"am_silence_id": made}

    async def _made(self, alertmanager: AlertmanagerConfig, silence: Silence) -> str | None:
        """The silence this one already made (its answer lost), found by the marker in its comment."""
        marker = texts.alert_actions.marker(silence.id)
        for made in await self._client.silences(alertmanager):
            state = (made.get("status") or {}).get("state")
            if marker in str(made.get("comment", "")) and state != EXPIRED:
                return str(made["id"])
        return None

    async def _postable(self, silence: Silence, now: datetime) -> dict[str, Any]:
        return {
            "matchers": silence.matchers,
            "startsAt": max(silence.starts_at, now).isoformat(),
            "endsAt": silence.ends_at.isoformat(),
            "createdBy": await self._gateway.user_name(silence.created_by),
            "comment": texts.alert_actions.comment(silence.comment, silence.id),
        }

    async def remember_created(self, session: AsyncSession, entry: OutboxEntry, updates: Updates) -> None:
        made = updates.get("am_silence_id")
        silence = await queries.get(session, int(entry.payload["silence_id"]))
        if not made or silence is None:
            return
        silence.am_silence_id = str(made)
        if silence.state == SilenceState.PENDING:
            silence.state = SilenceState.ACTIVE

    async def expire(self, entry: OutboxEntry) -> Updates:
        found = await self._silence(entry)
        if found is None:
            return {}
        silence, alertmanager = found
        # Never made (expired while Alertmanager was down), unless it was made and the answer lost.
        made = silence.am_silence_id or await self._made(alertmanager, silence)
        if made is not None:
            await self._client.expire_silence(alertmanager, made)
        return {}
