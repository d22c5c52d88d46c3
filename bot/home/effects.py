"""How a person's App Home tab is published from the outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.home.views import HomeRenderer
from bot.outbox.outbox import Effect
from bot.outbox.registry import Performer, Updates, nothing_to_remember
from bot.slack.gateway import SlackGateway
from storage.tables import OutboxEntry
from storage.types import utcnow


class HomeEffects:
    def __init__(self, gateway: SlackGateway, home: HomeRenderer, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._gateway = gateway
        self._home = home
        self._clock = clock

    def performers(self) -> dict[Effect, Performer]:
        return {Effect.PUBLISH_HOME: Performer(self.publish_home, nothing_to_remember)}

    async def publish_home(self, entry: OutboxEntry) -> Updates:
        """The Home tab as things stand when this runs, so a delayed publish is never stale."""
        user = str(entry.payload["user"])
        await self._gateway.publish_home(user, await self._home.view(user, now=self._clock()))
        return {}
