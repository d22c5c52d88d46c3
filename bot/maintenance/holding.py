"""Ingestion's hook: a firing alert an active window matches is held (stored, listed, no incident, no page).

AlertIngestion is given `Holding.hold` by create_app (bot.alerts does not import bot.maintenance, which re-runs
held alerts through ingestion when a window ends).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from weakref import WeakKeyDictionary

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.maintenance.matching import matches
from bot.outbox.outbox import Effect, Outbox, maintenance_lane
from storage.enums import MaintenanceState
from storage.queries import maintenance as queries
from storage.tables import Alert, MaintenanceWindow
from storage.types import utcnow

FIRING = "firing"
# As ingestion's own redraws: a burst of held alerts redraws the window's message once.
SYNC_DELAY_SECONDS = 1.0


async def show(outbox: Outbox, window: MaintenanceWindow, channel: str) -> None:
    """Post or redraw the window's one message in the alerts channel."""
    assert window.id is not None
    await outbox.sync(
        Effect.SYNC_MAINTENANCE,
        incident_id=None,
        lane=maintenance_lane(window.id),
        delay=SYNC_DELAY_SECONDS,
        window_id=window.id,
        channel=channel,  # the outbox paces each channel's calls
    )


class Holding:
    def __init__(self, channel: str) -> None:
        self._channel = channel
        # The active windows, read once per transaction (a chunk of a delivery asks for each of its alerts); a
        # window ended in that transaction is its own row object, so its state says so.
        self._read: WeakKeyDictionary[AsyncSession, Sequence[MaintenanceWindow]] = WeakKeyDictionary()

    async def _active(self, session: AsyncSession, now: datetime) -> list[MaintenanceWindow]:
        if session not in self._read:
            self._read[session] = await queries.active(session, now=now)
        on = MaintenanceState.ACTIVE
        return [window for window in self._read[session] if window.state == on and window.ends_at > now]

    async def hold(self, session: AsyncSession, outbox: Outbox, alert: Alert) -> bool:
        """Whether a window holds the alert (firing, or resolving with no incident); if so its message is redrawn."""
        now = utcnow()
        windows = [window for window in await self._active(session, now) if matches(window.matchers, alert.labels)]
        if windows and alert.status != FIRING:  # only a resolution of what a window holds: others show as always
            held_by = await queries.holding(session, alert.id) if alert.id is not None else set()
            windows = [window for window in windows if window.id in held_by]
        if not windows:
            return False
        session.add(alert)
        await session.flush()  # the held row names the alert's id
        assert alert.id is not None
        for window in windows:  # overlapping windows each list it; when one ends, the re-run is held by the others
            assert window.id is not None
            await queries.hold(session, window_id=window.id, alert_id=alert.id, now=now)
            await show(outbox, window, self._channel)
        return True
