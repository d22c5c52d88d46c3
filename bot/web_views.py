"""What the read-only web pages show: incidents, one incident's timeline and postmortem, and SLOs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import IncidentNotFound
from bot.incidents.models import OPEN_STATUSES, Status
from bot.incidents.service import snapshots_of
from bot.incidents.snapshot import IncidentSnapshot
from bot.postmortem.render import Format
from bot.postmortem.service import Postmortems
from bot.slo.history import budget_series, latest_reports
from bot.slo.models import SloDefinition
from bot.slo.report import SloReport
from bot.visibility import Viewer, visible, visible_only
from storage.engine import Database
from storage.queries import incidents as incident_queries
from storage.queries import timeline as timeline_queries
from storage.queries import users as user_queries
from storage.tables import TimelineEntry

RECENT = 20
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TIMELINE_SHOWN = 500


@dataclass(frozen=True)
class Overview:
    open: list[IncidentSnapshot]
    recent: list[IncidentSnapshot]
    people: dict[str, str]  # display names the bot has cached, by user id


async def _names(session: AsyncSession, user_ids: Iterable[str | None]) -> dict[str, str]:
    """Names as last fetched for a postmortem; a page shows a stale name rather than calling Slack."""
    return await user_queries.names(session, [user for user in user_ids if user], fetched_since=EPOCH)


class WebViews:
    def __init__(
        self, database: Database, postmortems: Postmortems, definitions: Sequence[SloDefinition], *, zone: ZoneInfo
    ) -> None:
        self._database = database
        self._postmortems = postmortems
        self._definitions = list(definitions)
        self.zone = zone

    async def overview(self, viewer: Viewer) -> Overview:
        closed = [status.value for status in Status if status not in OPEN_STATUSES]
        async with self._database.reading() as session:
            listed = await incident_queries.list_with_roles_not_in(session, closed)
            # A private incident is listed only for the members of its channel and the admins (bot/visibility.py).
            open_incidents = await visible_only(
                [IncidentSnapshot.of(incident, roles) for incident, roles in listed], viewer
            )
            recent_rows = await incident_queries.list_recent_in(session, closed, limit=RECENT)
            recent = await snapshots_of(session, await visible_only(recent_rows, viewer))
            people = await _names(session, [user for i in [*open_incidents, *recent] for user in i.roles.values()])
        return Overview(open_incidents, recent, people)

    async def incident(
        self, number: int, viewer: Viewer
    ) -> tuple[IncidentSnapshot, Sequence[TimelineEntry], dict[str, str]]:
        async with self._database.reading() as session:
            incident = await incident_queries.get_incident(session, number)
            if incident is None or not await visible(incident, viewer):  # the same answer as a number never declared
                raise IncidentNotFound(f"There is no incident INC-{number}.")
            roles = await incident_queries.list_roles(session, number)
            entries = await timeline_queries.list_entries(session, number, last=TIMELINE_SHOWN)
            people = await _names(session, [*(entry.author for entry in entries), *(r.user_id for r in roles)])
        return IncidentSnapshot.of(incident, roles), entries, people

    async def postmortem_html(self, number: int, viewer: Viewer) -> str:
        await self.incident(number, viewer)  # an unknown incident is a clear 404, not a rendering error
        return await self._postmortems.render(number, Format.HTML)

    async def slos(self, now: datetime) -> list[SloReport]:
        async with self._database.reading() as session:
            return await latest_reports(session, self._definitions, now=now)

    async def slo_chart(self, now: datetime) -> bytes:
        from bot.slo.chart import render_budget_chart  # matplotlib only once a chart is asked for

        async with self._database.reading() as session:
            series = [await budget_series(session, definition, until=now) for definition in self._definitions]
        longest = max((definition.window for definition in self._definitions), default=None)
        start = now - longest if longest is not None else now
        return await asyncio.to_thread(
            render_budget_chart, series, start=start, end=now, zone=self.zone, title="Error budget remaining"
        )
