"""Alert storms: past `storm.max_new_incidents_per_minute` incidents a minute, alerts join one storm incident.

A storm of unrelated alerts would otherwise open an incident (a channel, an announcement, a page) for
each. The first ones of a minute open their own; the rest open, then join, one incident that says
it is a storm. Storm rollups of alert-group messages are bot/alerts/rollup.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alerts.models import AlertIn
from bot.alerts.routing import Decision
from bot.alerts.views import facts
from bot.incidents.lifecycle import AlertOpening
from bot.incidents.models import Status
from bot.schedules.responders import OnCallNow
from storage.queries import alerts as queries
from storage.tables import Incident
from storage.types import utcnow

STORM_WINDOW = timedelta(minutes=1)
CLOSED_STATUSES = [Status.RESOLVED.value, Status.CLOSED.value]


@dataclass
class StormWatch:
    """One chunk's view of the storm: how many incidents alerts opened within STORM_WINDOW, and the storm's.

    Counted and looked up once a chunk: ingestion holds its lock, so only this chunk opens incidents meanwhile.
    """

    limit: int
    opened_recently: int | None = None
    incident: Incident | None = None
    looked_up: bool = False

    async def storming(self, session: AsyncSession) -> bool:
        if self.opened_recently is None:
            self.opened_recently = await queries.count_incidents_opened_by_alerts(session, utcnow() - STORM_WINDOW)
        return self.opened_recently >= self.limit

    async def open_storm(self, session: AsyncSession) -> Incident | None:
        """The storm incident still open, which the further alerts of a storm join."""
        if not self.looked_up:
            self.incident = await queries.open_storm_incident(session, CLOSED_STATUSES)
            self.looked_up = True
        return self.incident

    def opening(
        self, alert_in: AlertIn, decision: Decision, *, storm: bool, on_call: OnCallNow | None = None
    ) -> AlertOpening:
        """How to open the incident: the alert's own, or the storm's, which names no one alert."""
        assert decision.severity is not None
        return AlertOpening(
            title=f"Alert storm: more than {self.limit} incidents within a minute" if storm else alert_in.summary,
            severity=decision.severity,
            source=alert_in.source,
            detected_at=alert_in.starts_at,
            team=None if storm else decision.team,
            service=None if storm else alert_in.labels.get("service"),
            announce_channel=decision.announce_channel,
            responders=decision.responders,
            usergroup=decision.usergroup,
            is_storm=storm,
            alert=None if storm else facts(alert_in),
            on_call=on_call,
        )

    def opened(self, incident: Incident, *, storm: bool) -> None:
        if storm:
            self.incident = incident
        elif self.opened_recently is not None:
            self.opened_recently += 1
