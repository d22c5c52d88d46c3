"""How the SLO digest is performed from the outbox: its chart uploaded, then its message posted."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import SlackRejected
from bot.outbox.outbox import Effect
from bot.outbox.registry import Performer, Updates
from bot.slack.effects import post_once
from bot.slack.gateway import SlackGateway
from bot.slo.digest import DigestRenderer
from storage.queries import slos as queries
from storage.tables import OutboxEntry, SloDigestRun


async def remember_on_run(session: AsyncSession, entry: OutboxEntry, updates: Updates) -> None:
    run = await queries.get_digest_run(session, int(entry.payload["run_id"]))
    for name, value in updates.items():
        setattr(run, name, value)


class SloEffects:
    def __init__(self, gateway: SlackGateway, digests: DigestRenderer) -> None:
        self._gateway = gateway
        self._digests = digests

    def performers(self) -> dict[Effect, Performer]:
        return {
            Effect.UPLOAD_SLO_CHART: Performer(self.upload_slo_chart, remember_on_run),
            Effect.POST_SLO_DIGEST: Performer(self.post_slo_digest, remember_on_run),
        }

    async def _run(self, entry: OutboxEntry) -> SloDigestRun:
        run = await self._digests.run(int(entry.payload["run_id"]))
        if run is None:
            raise SlackRejected(entry.kind, "the digest run of this entry no longer exists")
        return run

    async def upload_slo_chart(self, entry: OutboxEntry) -> Updates:
        run = await self._run(entry)
        if run.chart_file_id is not None:
            return {}
        png = await self._digests.chart(run)
        day = run.end.date().isoformat()
        file_id = await self._gateway.upload_file(
            None, filename=f"slo-budget-{day}.png", content=png, title=f"Error budget remaining, {day}"
        )
        return {"chart_file_id": file_id}

    async def post_slo_digest(self, entry: OutboxEntry) -> Updates:
        run = await self._run(entry)
        if run.message_ts is not None:
            return {}
        text, blocks = await self._digests.message(run)
        channel = await self._gateway.resolve_channel(run.channel)
        ts = await post_once(self._gateway, entry, channel, text=text, blocks=blocks)
        return {"message_channel_id": channel, "message_ts": ts}
