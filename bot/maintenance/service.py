"""Maintenance windows: started ad hoc or by the leader's tick, ended by `end` or by the tick at their end.

Each decision locks the window's row (an occurrence of a scheduled window is inserted ON CONFLICT DO NOTHING on
(name, start)), so it is taken once across replicas and restarts. Start and end are announced in the alerts
channel through the outbox; at the end the alerts the window held that still fire go through ingestion's normal
decision, in the same transaction, as if they had just fired (routing opens the incident and pages).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alertmanager import silences
from bot.alerts.ingest import AlertIngestion
from bot.alerts.models import AlertStatus
from bot.alerts.upsert import resent
from bot.config.schema import OncallConfig
from bot.errors import UsageError, UserError
from bot.maintenance.holding import Holding, show
from bot.maintenance.schedule import current_end, current_start
from bot.outbox import Outbox
from bot.texts import maintenance as texts
from bot.unit_of_work import Begin
from bot.visibility import THE_BOT
from storage.enums import MaintenanceState
from storage.queries import maintenance as queries
from storage.tables import MaintenanceWindow

LONGEST = timedelta(days=texts.MOST_DAYS)
SCHEDULED_BY = "maintenance"  # who made a scheduled window's silence, in Alertmanager


@dataclass
class WindowsChanged:
    started: list[int] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)


class Maintenance:
    def __init__(self, config: OncallConfig, ingestion: AlertIngestion) -> None:
        self._config = config
        self._ingestion = ingestion
        self.channel = config.alerts.channel

    async def start(
        self,
        begin: Begin,
        *,
        duration: timedelta,
        matchers: list[dict[str, Any]],
        reason: str,
        by: str,
        now: datetime,
        mirror_silence: bool = False,
    ) -> MaintenanceWindow:
        """An ad hoc window from now for `duration` (at most 30 days, at least one matcher)."""
        if duration > LONGEST:
            raise UsageError(texts.too_long())
        if not matchers:
            raise UsageError(texts.NEEDS_MATCHERS)
        if mirror_silence:
            silences.pick(self._config.alertmanagers)  # refused before anything is stored
        async with begin() as (session, outbox):
            window = MaintenanceWindow(
                name=f"adhoc-{by}",
                matchers=matchers,
                starts_at=now,
                ends_at=now + duration,
                reason=reason,
                created_by=by,
                mirror_silence=mirror_silence,
            )
            await queries.add(session, window)
            await self._started(session, outbox, window, now=now)
        return window

    async def end(self, begin: Begin, named: str, *, by: str, now: datetime) -> MaintenanceWindow:
        """End an active window by its number (#3 or 3) before its time."""
        number = named.strip().lstrip("#")
        if not (number.isascii() and number.isdigit() and len(number) <= 9):
            raise UserError(texts.no_such_window(named.strip()))
        async with begin() as (session, outbox):
            window = await queries.lock(session, int(number))
            if window is None or window.state != MaintenanceState.ACTIVE:
                raise UserError(texts.no_such_window(named.strip()))
            await self._end(session, outbox, window, by=by, now=now)
        return window

    async def active(self, begin: Begin, *, now: datetime) -> list[tuple[MaintenanceWindow, int]]:
        """The active windows, each with how many alerts it holds."""
        async with begin.reading() as session:
            windows = list(await queries.active(session, now=now))
            counts = await queries.count_held(session, [window.id for window in windows if window.id is not None])
        return [(window, counts.get(window.id or 0, 0)) for window in windows]

    async def tick(self, session: AsyncSession, outbox: Outbox, now: datetime) -> WindowsChanged:
        """Start the scheduled occurrences due at `now` (once each) and end the windows past their end."""
        result = WindowsChanged()
        # One occurrence of a window at a time (the config refuses crons that overlap; a DST shift still could).
        on = {window.name for window in await queries.active(session, now=now)} if self._config.maintenance else set()
        for scheduled in self._config.maintenance:
            start = current_start(scheduled, self._config.zone, now=now)
            if start is None or scheduled.name in on:
                continue
            values = {
                "name": scheduled.name,
                "matchers": scheduled.alertmanager_matchers(),
                "starts_at": start,
                "ends_at": current_end(scheduled, start),
                "reason": scheduled.reason,
                "mirror_silence": scheduled.mirror_silence,  # the config made sure an Alertmanager exists
                "state": MaintenanceState.ACTIVE,
                "created_at": now,
            }
            window = await queries.add_occurrence(session, values)
            if window is not None and window.id is not None:
                await self._started(session, outbox, window, now=now)
                result.started.append(window.id)
        for window_id in await queries.due_to_end(session, now=now):
            window = await queries.lock(session, window_id)  # decided again under the lock: another tick may have
            if window is None or window.state != MaintenanceState.ACTIVE or window.ends_at > now:
                continue
            await self._end(session, outbox, window, by=None, now=now)
            result.ended.append(window_id)
        return result

    async def _started(
        self, session: AsyncSession, outbox: Outbox, window: MaintenanceWindow, *, now: datetime
    ) -> None:
        if window.mirror_silence:
            silence = await silences.create(
                session=session,
                outbox=outbox,
                alertmanager=silences.pick(self._config.alertmanagers),
                matchers=window.matchers,
                duration=window.ends_at - now,
                by=window.created_by or SCHEDULED_BY,
                comment=texts.silence_comment(window.id, window.name, window.reason),
                now=now,
            )
            window.silence_id = silence.id
            session.add(window)
        text = texts.announced_start(
            window.id, window.name, window.matchers, window.ends_at, window.reason, window.created_by
        )
        outbox.message(self.channel, text)

    async def _end(
        self, session: AsyncSession, outbox: Outbox, window: MaintenanceWindow, *, by: str | None, now: datetime
    ) -> None:
        assert window.id is not None
        early = now < window.ends_at
        window.state, window.ended_by, window.ended_at = MaintenanceState.ENDED, by, now
        session.add(window)
        if early and window.silence_id is not None:
            await self._expire_silence(session, outbox, window.silence_id, by=by or SCHEDULED_BY, now=now)
        held = await queries.held_with_group_keys(session, window.id)
        await queries.release(session, window.id, now=now)
        await session.flush()  # ingestion below must no longer find this window active
        firing = [resent(alert, group_key) for alert, group_key in held if alert.status == AlertStatus.FIRING]
        if firing:
            await self._ingestion.receive_in(session, outbox, firing, rerun=True)
        await show(outbox, window, self.channel)  # its message says it ended
        outbox.message(self.channel, texts.announced_end(window.id, window.name, by, len(firing)))

    async def _expire_silence(
        self, session: AsyncSession, outbox: Outbox, silence_id: int, *, by: str, now: datetime
    ) -> None:
        try:
            # The window's own silence, ended with it: whoever ended the window may end it.
            await silences.expire(session=session, outbox=outbox, named=str(silence_id), by=by, now=now, viewer=THE_BOT)
        except UserError:  # expired from Slack already, or past its end: nothing left to expire
            return


def assemble(config: OncallConfig, ingestion: AlertIngestion) -> Maintenance:
    """The service, and ingestion made to hold what active windows match."""
    ingestion.hold = Holding(config.alerts.channel).hold
    return Maintenance(config, ingestion)
