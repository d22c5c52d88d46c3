"""Beats, the leader's raise of silent heartbeats, pause and resume.

Each decision locks the heartbeat's row and ingests the alert it implies (source `heartbeat`) in the same
transaction, so a raise or a resolution happens once across replicas and restarts: the row says `raised`
exactly when the stored alert is firing. Routing decides, as for any alert, whether it opens an incident.

A heartbeat that has never beaten is counted from the start-up that first found it in the config
(`sync`); one resumed after a pause, from the resume.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alerts.ingest import AlertIngestion
from bot.alerts.models import AlertIn, AlertStatus
from bot.clock import utcnow
from bot.config.heartbeats import HeartbeatConfig
from bot.config.schema import OncallConfig
from bot.errors import UserError
from bot.outbox import Outbox
from bot.texts import heartbeats as texts
from bot.unit_of_work import Begin
from bot.values.durations import format_duration
from storage.queries import heartbeats as queries
from storage.tables import Heartbeat

SOURCE = "heartbeat"
ALERTNAME = "HeartbeatMissing"


@dataclass(frozen=True)
class Beat:
    name: str
    resolved: bool  # the beat resolved the alert raised for the heartbeat


def silent_since(row: Heartbeat) -> datetime:
    """When the silence being counted began: the last beat, or the start of watching, whichever is later."""
    return max(row.last_beat_at, row.watched_from) if row.last_beat_at is not None else row.watched_from


def _due(row: Heartbeat | None, heartbeat: HeartbeatConfig, now: datetime) -> bool:
    """Silent past its timeout, not paused, and no alert raised for it yet (no row: not synced yet, not due)."""
    return row is not None and not row.paused and not row.raised and silent_since(row) + heartbeat.timeout <= now


def _alert(heartbeat: HeartbeatConfig, since: datetime, status: AlertStatus, *, at: datetime) -> AlertIn:
    labels = {"alertname": ALERTNAME, **heartbeat.labels, "heartbeat": heartbeat.name}
    timeout = format_duration(heartbeat.timeout)
    return AlertIn(
        source=SOURCE,
        fingerprint=f"heartbeat:{heartbeat.name}",  # one alert per heartbeat: a re-raise re-fires it
        status=status,
        labels=labels,
        annotations={"summary": texts.alert_summary(heartbeat.name, timeout)},
        summary=texts.alert_summary(heartbeat.name, timeout),
        description=texts.alert_description(heartbeat.name, timeout),
        severity=heartbeat.severity,
        starts_at=since + heartbeat.timeout,
        ends_at=at if status is AlertStatus.RESOLVED else None,
        group_key=f"heartbeat:{heartbeat.name}",  # each heartbeat its own group, whatever alerts.group_by says
    )


class Heartbeats:
    def __init__(self, config: OncallConfig, ingestion: AlertIngestion) -> None:
        self._config = config
        self._ingestion = ingestion

    def _configured(self, name: str) -> HeartbeatConfig:
        heartbeat = self._config.heartbeat(name)
        if heartbeat is None:
            raise UserError(texts.unknown(name, [h.name for h in self._config.heartbeats]))
        return heartbeat

    async def sync(self, session: AsyncSession, now: datetime) -> None:
        """At start-up: a row for each configured heartbeat that has none, counted from `now`."""
        await queries.add_missing(session, [heartbeat.name for heartbeat in self._config.heartbeats], now)

    async def _row(self, session: AsyncSession, name: str, now: datetime) -> Heartbeat:
        row = await queries.lock(session, name)
        if row is None:  # configured since this replica's start-up sync ran: counted from now
            await queries.add_missing(session, [name], now)
            row = await queries.lock(session, name)
        assert row is not None
        return row

    async def beat(self, begin: Begin, name: str, now: datetime) -> Beat:
        """Record a beat of `name` (UserError if it is not configured); a raised alert resolves."""
        heartbeat = self._configured(name)
        async with begin() as (session, outbox):
            return await self._beat(session, outbox, heartbeat, now)

    async def watchdog_beat(self, session: AsyncSession, outbox: Outbox) -> None:
        """Alertmanager's Watchdog fired: a beat of `watchdog.heartbeat`, if one is configured."""
        if self._config.watchdog is None:
            return
        await self._beat(session, outbox, self._configured(self._config.watchdog.heartbeat), utcnow())

    async def _beat(self, session: AsyncSession, outbox: Outbox, heartbeat: HeartbeatConfig, now: datetime) -> Beat:
        row = await self._row(session, heartbeat.name, now)
        since = row.silent_since or silent_since(row)  # the raised alert's start, read before this beat counts
        row.last_beat_at = max(now, row.last_beat_at) if row.last_beat_at is not None else now
        resolved = row.raised
        if row.raised:
            await self._ingestion.receive_in(session, outbox, [_alert(heartbeat, since, AlertStatus.RESOLVED, at=now)])
            row.raised, row.silent_since = False, None
        session.add(row)
        return Beat(heartbeat.name, resolved=resolved)

    async def tick(self, session: AsyncSession, outbox: Outbox, now: datetime) -> list[str]:
        """Raise an alert for each heartbeat silent past its timeout and not paused; the names raised."""
        names = [heartbeat.name for heartbeat in self._config.heartbeats]
        if not names:
            return []
        seen = {row.name: row for row in await queries.all_of(session, names)}
        due = [heartbeat for heartbeat in self._config.heartbeats if _due(seen.get(heartbeat.name), heartbeat, now)]
        # What looked due without locks is decided again under the lock (another tick may have raised it).
        rows = {row.name: row for row in await queries.lock_all(session, [heartbeat.name for heartbeat in due])}
        raised = []
        for heartbeat in due:
            row = rows.get(heartbeat.name)
            if row is None or not _due(row, heartbeat, now):
                continue
            since = silent_since(row)
            await self._ingestion.receive_in(session, outbox, [_alert(heartbeat, since, AlertStatus.FIRING, at=now)])
            row.raised, row.raised_at, row.silent_since = True, now, since
            session.add(row)
            raised.append(heartbeat.name)
        return raised

    async def pause(self, begin: Begin, name: str, *, by: str, now: datetime) -> str:
        """Raise nothing for `name` until resumed; the reply. An alert already raised stays until a beat."""
        self._configured(name)
        async with begin() as (session, _):
            row = await self._row(session, name, now)
            if row.paused:
                return texts.already_paused(name)
            row.paused, row.paused_by, row.paused_at = True, by, now
            session.add(row)
        return texts.paused(name, by)

    async def resume(self, begin: Begin, name: str, *, by: str, now: datetime) -> str:
        """Watch `name` again, its silence counted from now; the reply."""
        heartbeat = self._configured(name)
        async with begin() as (session, _):
            row = await self._row(session, name, now)
            if not row.paused:
                return texts.not_paused(name)
            row.paused, row.paused_by, row.paused_at, row.watched_from = False, None, None, now
            session.add(row)
        return texts.resumed(name, by, format_duration(heartbeat.timeout))

    async def states(self, begin: Begin) -> list[tuple[HeartbeatConfig, Heartbeat | None]]:
        """Every configured heartbeat with its row (None before the first start-up sync saw it)."""
        async with begin.reading() as session:
            rows = {row.name: row for row in await queries.all_of(session, [h.name for h in self._config.heartbeats])}
        return [(heartbeat, rows.get(heartbeat.name)) for heartbeat in self._config.heartbeats]
