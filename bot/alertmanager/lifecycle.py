"""What happens to a silence after it is made: its end told beforehand, and the alerts it hid that stopped firing.

Both run on the scheduler leader's tick (handlers/jobs/runner.py). The warning locks the silences it tells
about and marks them warned in the transaction that writes the post, so it is told once, whichever replica
leads and however often the bot restarts.

Alertmanager sends no "resolved" for a silenced alert: it drops the notification as it dropped the firing one.
So the leader asks each Alertmanager a silence was made in for its alerts (`GET /api/v2/alerts`, a read, not an
outbox effect) and resolves, through the normal ingestion, the stored firing alerts the silence selects that
Alertmanager no longer lists (it lists neither resolved alerts nor forgotten ones), matched by the fingerprint
its webhook gave them. Resolving twice changes nothing the second time, so two replicas polling at once are
harmless; an Alertmanager that does not answer resolves nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.alertmanager import silences as silence_service
from bot.alertmanager.client import AlertmanagerClient
from bot.alertmanager.matchers import selects
from bot.alerts.ingest import AlertIngestion
from bot.alerts.models import AlertStatus
from bot.alerts.upsert import resent
from bot.config.schema import OncallConfig
from bot.errors import AlertmanagerRefused, AlertmanagerUnreachable
from bot.outbox import Outbox
from bot.unit_of_work import Begin
from storage.queries import alerts as alert_queries
from storage.queries import silences as queries
from storage.tables import Alert, Silence

log = logging.getLogger("oncall.silences")

SOURCE = "alertmanager"  # the alerts Alertmanager's webhook stores; its fingerprints are those its API lists
# A silence that ended (or was expired) this recently is still looked at: Alertmanager may have dropped the
# resolved notification of an alert that stopped firing while it was silenced, and forgotten the alert since.
RECENTLY = timedelta(hours=1)
# How long a restarted Alertmanager runs before what it lacks counts as ended: Prometheus resends its firing
# alerts every minute (--rules.alert.resend-delay), so by then it has them all again.
SETTLED = timedelta(minutes=5)
# The firing alerts looked at per tick, longest firing first; a storm's others wait for a later tick.
MOST_ALERTS = 5000


@dataclass
class SilenceTick:
    warned: list[int] = field(default_factory=list)  # the silences whose end was told
    ended: list[int] = field(default_factory=list)  # the silences whose end came, shown on their messages
    resolved: int = 0  # the alerts resolved because Alertmanager no longer lists them


class SilenceWatch:
    def __init__(self, config: OncallConfig, ingestion: AlertIngestion, client: AlertmanagerClient) -> None:
        self._config = config
        self._ingestion = ingestion
        self._client = client
        self._alertmanagers = {alertmanager.name.lower(): alertmanager for alertmanager in config.alertmanagers}
        self._unreachable: set[str] = set()  # said once in the log until it answers again

    async def warn(self, session: AsyncSession, outbox: Outbox, now: datetime) -> list[int]:
        """Tell each active silence's channel, once, that it ends within `reminders.silence_warning`."""
        told = []
        for silence in await queries.lock_ending(session, now=now, before=self._config.reminders.silence_warning):
            await self._tell(session, outbox, silence)
            silence.warned_at = now
            session.add(silence)
            assert silence.id is not None
            told.append(silence.id)
        return told

    async def end(self, session: AsyncSession, outbox: Outbox, now: datetime) -> list[int]:
        """Silences whose end came: their messages redrawn without the "silenced until" line, said on the timeline.

        Marked in the transaction that writes the redraws, so each end is shown once, whichever replica leads.
        """
        ended = []
        for silence in await queries.lock_ended(session, now=now):
            silence.ended_at = now
            session.add(silence)
            group_id, incident_id = silence.group_id, silence.incident_id
            await silence_service.redraw(session=session, outbox=outbox, incident_id=incident_id, group_id=group_id)
            if incident_id is not None:
                text = texts.alert_actions.timeline_ended(silence.id)
                await silence_service.record_on(session, incident_id, text, silence.created_by)
            assert silence.id is not None
            ended.append(silence.id)
        return ended

    async def _tell(self, session: AsyncSession, outbox: Outbox, silence: Silence) -> None:
        """In the incident's channel, else the group's alerts channel, else the channel it was made in."""
        text = texts.alert_actions.ending(silence.id, silence.matchers, silence.ends_at)
        group = await alert_queries.get_group_by_id(session, silence.group_id) if silence.group_id else None
        incident_id = silence.incident_id or (group.incident_id if group is not None else None)
        if incident_id is not None:
            outbox.post(incident_id, text)
            return
        channel = (group.message_channel_id or group.channel) if group is not None else silence.channel
        if channel is not None:  # a slash command always says where it was given; nothing else makes silences
            outbox.message(channel, text)

    async def resolve_gone(self, begin: Begin, now: datetime) -> int:
        """Resolve the silenced firing alerts their Alertmanager no longer lists; how many were resolved."""
        async with begin.reading() as session:
            silences = await queries.silencing_since(session, now=now, since=now - RECENTLY)
            firing = await alert_queries.firing_of_source(session, SOURCE, limit=MOST_ALERTS) if silences else []
        asked = _asked_where(silences, firing)
        if not asked:
            return 0
        listed: dict[str, Listed] = {}
        for name in sorted({name for names in asked.values() for name in names}):
            found = await self._listed(name)
            if found is not None:
                listed[name] = found
        gone = [
            resent(alert, group_key, status=AlertStatus.RESOLVED, at=now)
            for alert, group_key in firing
            if (names := asked.get(alert.id or 0))
            and all(name in listed and listed[name].lost(alert, now) for name in names)
        ]
        if not gone:
            return 0
        async with begin() as (session, outbox):
            result = await self._ingestion.receive_in(session, outbox, gone)
        log.info("silences.resolved_unlisted alerts=%d", result.changed)
        return result.changed

    async def _listed(self, name: str) -> Listed | None:
        """The alerts this Alertmanager has, and since when it runs; None when it cannot say."""
        alertmanager = self._alertmanagers.get(name)
        if alertmanager is None:  # removed from the config since the silence was made
            return None
        try:
            started = await self._client.started_at(alertmanager)
            alerts = await self._client.alerts(alertmanager)
        except (AlertmanagerUnreachable, AlertmanagerRefused) as exc:
            if name not in self._unreachable:
                log.warning("silences.alerts_unavailable alertmanager=%s error=%s", alertmanager.name, exc)
                self._unreachable.add(name)
            return None
        if name in self._unreachable:
            log.info("silences.alerts_available alertmanager=%s", alertmanager.name)
            self._unreachable.discard(name)
        return Listed({str(alert.get("fingerprint")) for alert in alerts}, started)


@dataclass(frozen=True)
class Listed:
    """What one Alertmanager said: the fingerprints of its alerts, and when its process started."""

    fingerprints: set[str]
    started_at: datetime | None

    def lost(self, alert: Alert, now: datetime) -> bool:
        """Whether it no longer has this alert because the alert ended, not because it restarted.

        Alertmanager keeps alerts in memory: a restarted one lists none until Prometheus sends them again
        (within a minute or two). A process that was already running when the alert last reached the bot
        knew it, so its absence means it ended; one started since is believed once it has run for SETTLED.
        """
        if alert.fingerprint in self.fingerprints or self.started_at is None:
            return False
        return self.started_at <= alert.last_received_at or self.started_at + SETTLED <= now


def _asked_where(silences: Sequence[Silence], firing: Sequence[tuple[Alert, str]]) -> dict[int, set[str]]:
    """Each firing alert a silence selects, with the Alertmanagers (lower-cased names) whose silences select it."""
    asked: dict[int, set[str]] = {}
    for alert, _ in firing:
        names = {silence.alertmanager.lower() for silence in silences if selects(silence.matchers, alert.labels)}
        if names and alert.id is not None:
            asked[alert.id] = names
    return asked
