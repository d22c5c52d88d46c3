"""What the read-only web pages show: the incident list, one incident, its postmortem, SLOs, and schedules
(bot/web/schedules.py).

Names come from the users.info cache the postmortem fills (a page never calls Slack), channel names
from the incidents' own channels; bot/web/ turns them into what a person reads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.errors import IncidentNotFound, UserError
from bot.incidents.models import OPEN_STATUSES, RoleName, reference
from bot.incidents.snapshot import IncidentSnapshot
from bot.postmortem.render import Format
from bot.postmortem.service import Postmortems
from bot.schedules.catalog import Catalog
from bot.slo.history import budget_series, latest_reports, to_report
from bot.slo.models import SloDefinition, UnknownSlo, find_slo
from bot.slo.report import SloReport
from bot.visibility import Viewer, visible, visible_only
from bot.web.alerts import AlertCard, alert_card, firing_first
from bot.web.chart import HistoryChart, history_chart
from bot.web.listing import PER_PAGE, IncidentQuery, last_page
from bot.web.schedules import ScheduleViews
from bot.web.text import mentioned
from storage.engine import Database
from storage.queries import alerts as alert_queries
from storage.queries import incident_search
from storage.queries import incidents as incident_queries
from storage.queries import paging as paging_queries
from storage.queries import slos as slo_queries
from storage.queries import timeline as timeline_queries
from storage.queries import users as user_queries
from storage.tables import Escalation, Incident, Page, TimelineEntry

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TIMELINE_SHOWN = 500


class SloNotFound(UserError):
    """The address names an SLO the configuration does not have."""


@dataclass(frozen=True)
class Listed:
    incident: IncidentSnapshot
    service: str | None
    messages: int


@dataclass(frozen=True)
class IncidentList:
    query: IncidentQuery
    incidents: list[Listed]
    total: int  # matching the filters
    open_count: int  # open incidents, whatever the filters
    last_page: int
    services: list[str]  # for the service filter
    people: dict[str, str]  # display names the bot has cached, by user id


@dataclass(frozen=True)
class IncidentPage:
    incident: IncidentSnapshot
    service: str | None
    entries: Sequence[TimelineEntry]  # the newest TIMELINE_SHOWN, oldest first
    entry_count: int
    messages: int
    alerts: list[AlertCard]
    people: dict[str, str]
    channels: dict[str, str]  # channel names by id
    pages: Sequence[Page] = ()  # who was paged, oldest first
    escalations: Sequence[Escalation] = ()


@dataclass(frozen=True)
class SloPage:
    report: SloReport
    definition: SloDefinition
    chart: HistoryChart | None
    start: datetime
    end: datetime


async def _names(session: AsyncSession, user_ids: Sequence[str | None]) -> dict[str, str]:
    """Names as last fetched for a postmortem; a page shows a stale name rather than calling Slack."""
    return await user_queries.names(session, [user for user in user_ids if user], fetched_since=EPOCH)


OPEN_VALUES = frozenset(status.value for status in OPEN_STATUSES)


def _channels(private: Sequence[Incident], viewer: Viewer) -> Collection[str] | None:
    """The channels whose private incidents the list may show this viewer; None: every one (an admin)."""
    if viewer.sees_everything or viewer.is_admin:
        return None
    # A private incident whose channel is still being created is left out for the few seconds that takes.
    return [incident.channel_id for incident in private if incident.channel_id]


class WebViews:
    def __init__(
        self,
        database: Database,
        postmortems: Postmortems,
        definitions: Sequence[SloDefinition],
        *,
        zone: ZoneInfo,
        catalog: Catalog,
    ) -> None:
        self._database = database
        self._postmortems = postmortems
        self._definitions = list(definitions)
        self.zone = zone
        self.schedules = ScheduleViews(database, catalog)
        # Per SLO: the chart last drawn, keyed by (newest evaluation id, minute); see slo().
        self._charts: dict[str, tuple[tuple[int | None, datetime], HistoryChart | None]] = {}
        self._chart_locks: dict[str, asyncio.Lock] = {}

    async def incidents(self, query: IncidentQuery, viewer: Viewer) -> IncidentList:
        async with self._database.reading() as session:
            # A private incident is listed, counted and lends its service only for the members of its channel
            # and the admins (bot/visibility.py).
            private = await visible_only(await incident_queries.list_private(session), viewer)
            visible_in = _channels(private, viewer)
            wanted = replace(query.filter, private_visible_in=visible_in)
            found = await incident_search.search(session, wanted, limit=PER_PAGE, offset=query.offset)
            open_counts = await incident_queries.count_by_severity(
                session, [s.value for s in OPEN_STATUSES], include_private=False
            )
            open_count = sum(open_counts.values()) + sum(1 for incident in private if incident.status in OPEN_VALUES)
            numbers = [incident.id for incident, _ in found.incidents if incident.id is not None]
            messages = await incident_search.message_counts(session, numbers)
            services = await incident_search.services(session, private_visible_in=visible_in)
            listed = [
                Listed(IncidentSnapshot.of(incident, roles), incident.service, messages.get(incident.id or 0, 0))
                for incident, roles in found.incidents
            ]
            commanders = [item.incident.roles.get(RoleName.COMMANDER) for item in listed]
            people = await _names(session, commanders)
        return IncidentList(query, listed, found.total, open_count, last_page(found.total), services, people)

    async def incident(self, number: int, viewer: Viewer) -> IncidentPage:
        async with self._database.reading() as session:
            incident = await incident_queries.get_incident(session, number)
            if incident is None or not await visible(incident, viewer):  # the same answer as a number never declared
                raise IncidentNotFound(texts.incidents.no_such_incident_here(reference(number)))
            snapshot = IncidentSnapshot.of(incident, await incident_queries.list_roles(session, number))
            entries = await timeline_queries.list_entries(session, number, last=TIMELINE_SHOWN)
            entry_count = await timeline_queries.count_entries(session, number)
            messages = (await incident_search.message_counts(session, [number])).get(number, 0)
            alerts = firing_first(
                [alert_card(alert) for alert in await alert_queries.list_incident_alerts(session, number)]
            )
            users, channels = mentioned(entry.text for entry in entries)
            authors = [entry.author for entry in entries]
            pages = await paging_queries.pages_of(session, number)
            escalations = await paging_queries.escalations_of(session, number)
            paged = [page.target for page in pages if page.kind == "user"]
            stoppers = [escalation.stopped_by for escalation in escalations]
            people = await _names(
                session, [*users, *authors, *snapshot.roles.values(), snapshot.declared_by, *paged, *stoppers]
            )
            channel_names = await incident_search.channel_names(session, channels)
        if snapshot.channel_id and snapshot.channel_name:
            channel_names[snapshot.channel_id] = snapshot.channel_name
        return IncidentPage(
            snapshot,
            incident.service,
            entries,
            entry_count,
            messages,
            firing_first(alerts),
            people,
            channel_names,
            pages,
            escalations,
        )

    async def postmortem_html(self, number: int, viewer: Viewer) -> str:
        await self.incident(number, viewer)  # an unknown incident is a clear 404, not a rendering error
        return await self._postmortems.render(number, Format.HTML)

    async def slos(self, now: datetime) -> list[SloReport]:
        async with self._database.reading() as session:
            return await latest_reports(session=session, definitions=self._definitions, now=now)

    async def slo(self, name: str, now: datetime) -> SloPage:
        try:
            definition = find_slo(self._definitions, name)
        except UnknownSlo:
            raise SloNotFound(texts.web.no_such_slo(name)) from None
        async with self._database.reading() as session:
            latest = await slo_queries.latest_evaluation(session, name)
            report = to_report(definition, latest, now=now)
        # The chart costs 100 to 400 ms of matplotlib whatever its points, and changes only with a new
        # evaluation: drawn once a minute at most per SLO and kept (a year-sized SLO page was 1 req/s).
        minute = now.replace(second=0, microsecond=0)
        key = (latest.id if latest is not None else None, minute)
        async with self._chart_locks.setdefault(name, asyncio.Lock()):
            cached = self._charts.get(name)
            if cached is None or cached[0] != key:
                async with self._database.reading() as session:
                    series = await budget_series(session=session, definition=definition, until=minute)
                start = minute - definition.measured_window(minute)
                drawn = await asyncio.to_thread(history_chart, series, start=start, end=minute, zone=self.zone)
                cached = self._charts[name] = (key, drawn)
        return SloPage(report, definition, cached[1], now - definition.measured_window(now), now)

    async def slo_chart(self, now: datetime) -> bytes:
        from bot.slo.chart import render_budget_chart  # matplotlib only once a chart is asked for

        async with self._database.reading() as session:
            series = [
                await budget_series(session=session, definition=definition, until=now)
                for definition in self._definitions
            ]
        longest = max((definition.span for definition in self._definitions), default=None)
        start = now - longest if longest is not None else now
        return await asyncio.to_thread(
            render_budget_chart, series, start=start, end=now, zone=self.zone, title="Error budget remaining"
        )
