"""A maintenance window's one message in the alerts channel, redrawn from the alerts it holds as they are now."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alerts.views import facts
from bot.errors import SlackRejected
from bot.outbox.outbox import Effect
from bot.outbox.registry import Performer, Updates
from bot.slack.effects import post_once
from bot.slack.gateway import SlackGateway
from bot.slack.mrkdwn import SECTION_LIMIT, truncate
from bot.texts import maintenance as texts
from storage.engine import Database
from storage.enums import MaintenanceState
from storage.queries import maintenance as queries
from storage.tables import Alert, MaintenanceWindow, OutboxEntry


async def _remember_on_window(session: AsyncSession, entry: OutboxEntry, updates: Updates) -> None:
    window = await session.get(MaintenanceWindow, int(entry.payload["window_id"]))
    if window is not None:
        window.rollup_ts = updates["rollup_ts"]
        session.add(window)


def _line(alert: Alert) -> str:
    shown = facts(alert)
    labels = f" ({shown.label_text(limit=4)})" if shown.labels else ""
    return f"{shown.name}{labels}: {alert.status}" + (f" — {shown.summary}" if shown.summary else "")


class MaintenanceEffects:
    def __init__(self, gateway: SlackGateway, database: Database) -> None:
        self._gateway = gateway
        self._database = database

    def performers(self) -> dict[Effect, Performer]:
        return {Effect.SYNC_MAINTENANCE: Performer(self.sync_window, _remember_on_window)}

    async def sync_window(self, entry: OutboxEntry) -> Updates:
        """Post the window's message listing what it holds, or redraw it."""
        async with self._database.reading() as session:
            window = await session.get(MaintenanceWindow, int(entry.payload["window_id"]))
            if window is None:
                raise SlackRejected(entry.kind, "the maintenance window of this entry no longer exists")
            active = window.state == MaintenanceState.ACTIVE
            alerts = await queries.held_alerts(session, int(entry.payload["window_id"]), released=not active)
        text = texts.held_message(window.id, window.name, window.ends_at, [_line(a) for a in alerts], active=active)
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}}]
        channel = await self._gateway.resolve_channel(str(entry.payload["channel"]))
        if window.rollup_ts is not None:
            await self._gateway.update_message(channel, window.rollup_ts, text=text, blocks=blocks)
            return {}
        return {"rollup_ts": await post_once(self._gateway, entry, channel, text=text, blocks=blocks)}
