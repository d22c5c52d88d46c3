"""The pagers' outbox performers: PagerDuty events and webhook deliveries, retried until done, done once."""

from __future__ import annotations

from bot.outbox.outbox import Effect
from bot.outbox.registry import Performer, Updates, nothing_to_remember
from bot.pagers import pagerduty, webhook
from bot.pagers.http import PagerHttp
from storage.tables import OutboxEntry


class PagerEffects:
    """Reads the settings when it performs: a changed URL or secret applies to entries already waiting."""

    def __init__(
        self, http: PagerHttp, *, events_url: str, dedup_prefix: str, webhook_secret: str | None = None
    ) -> None:
        self._http = http
        self._events_url = events_url
        self._dedup_prefix = dedup_prefix
        self._webhook_secret = webhook_secret

    def performers(self) -> dict[Effect, Performer]:
        return {
            Effect.PAGERDUTY_EVENT: Performer(self.pagerduty_event, nothing_to_remember),
            Effect.WEBHOOK_EVENT: Performer(self.webhook_event, nothing_to_remember),
        }

    async def pagerduty_event(self, entry: OutboxEntry) -> Updates:
        await pagerduty.send(self._http, self._events_url, entry.payload, prefix=self._dedup_prefix)
        return {}

    async def webhook_event(self, entry: OutboxEntry) -> Updates:
        await webhook.send(self._http, entry.payload, secret=self._webhook_secret)
        return {}
