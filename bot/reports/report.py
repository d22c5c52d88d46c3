"""One report: the figures of a period and of the one before it, and the incidents it went through.

`build` is pure (rows in, a Report out), so the CLI, `/report`, the posted review and the web page show
the same numbers from the same rows; `gather` reads those rows, in one reading session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.reports import people, reviews
from bot.reports.figures import Totals, totals
from bot.reports.period import Period
from bot.schedules import resolver
from bot.schedules.catalog import Rota
from bot.schedules.models import Shift
from storage.queries import reports as queries
from storage.queries import users as user_queries
from storage.tables import Alert, FollowUp, Incident, Page, SloEvaluation

EVER = datetime(1970, 1, 1, tzinfo=UTC)  # a report names people by any name once seen: it does not ask Slack


@dataclass(frozen=True)
class Rows:
    """What the bot stored that a report reads, for its period and the one before."""

    incidents: Sequence[Incident]
    alerts: Sequence[Alert]
    follow_ups: Sequence[FollowUp]
    pages: Sequence[Page]
    evaluations: Sequence[SloEvaluation]  # each SLO's last in the period
    shifts: Sequence[Shift]
    zones: Mapping[str, ZoneInfo]  # person → their zone, as users.info gave it
    names: Mapping[str, str]  # person → the name users.info gave, however old


@dataclass(frozen=True)
class FollowUpLine:
    number: int
    text: str
    owner: str | None
    done: bool


@dataclass(frozen=True)
class IncidentLine:
    number: int
    title: str  # a private incident's is texts.reports.private_title
    severity: str
    service: str | None
    declared_at: datetime
    acknowledge: timedelta | None
    resolve: timedelta | None
    postmortem: str | None  # on time, late, overdue, not yet due; None while unresolved
    follow_ups: list[FollowUpLine]


@dataclass(frozen=True)
class Report:
    period: Period
    services: tuple[str, ...]
    generated_at: datetime
    zone: ZoneInfo
    current: Totals
    previous: Totals
    rules: list[reviews.RuleFigures]
    postmortems: reviews.PostmortemFigures
    follow_ups: list[reviews.OwnerFollowUps]
    slos: reviews.SloFigures
    load: list[people.PersonLoad]
    incidents: list[IncidentLine]
    names: Mapping[str, str]

    def name(self, user: str | None) -> str:
        return "nobody" if user is None else self.names.get(user, user)


def _between(start: datetime, end: datetime | None) -> timedelta | None:
    return end - start if end is not None and end >= start else None


def _line(incident: Incident, items: Sequence[FollowUp], due_after: timedelta, now: datetime) -> IncidentLine:
    assert incident.id is not None
    private = incident.is_private
    return IncidentLine(
        number=incident.id,
        title=texts.reports.private_title(incident.id) if private else incident.title,
        severity=str(incident.severity),
        service=incident.service,
        declared_at=incident.declared_at,
        acknowledge=_between(incident.declared_at, incident.acknowledged_at),
        resolve=_between(incident.declared_at, incident.resolved_at),
        postmortem=reviews.postmortem_state(incident, due_after, now) if incident.resolved_at else None,
        follow_ups=[
            FollowUpLine(item.number, "" if private else item.text, item.owner, item.done_at is not None)
            for item in items
            if item.incident_id == incident.id
        ],
    )


def build(
    rows: Rows,
    period: Period,
    *,
    zone: ZoneInfo,
    due_after: timedelta,
    now: datetime,
    services: Sequence[str] = (),
) -> Report:
    previous = period.previous()
    current = [one for one in rows.incidents if one.declared_at < period.end]
    listed = [
        one
        for one in current
        if period.holds(one.declared_at) or period.holds(one.resolved_at) or period.holds(one.postmortem_drafted_at)
    ]
    in_period = [item for item in rows.follow_ups if item.created_at < period.end]
    return Report(
        period=period,
        services=tuple(services),
        generated_at=now,
        zone=zone,
        current=totals(current, period),
        previous=totals(rows.incidents, previous),
        rules=reviews.noisiest_rules([a for a in rows.alerts if a.last_received_at >= period.start], services),
        postmortems=reviews.postmortems(current, period, due_after, now),
        follow_ups=reviews.follow_ups(in_period, period, zone),
        slos=reviews.slos(rows.evaluations),
        load=people.load(rows.pages, rows.shifts, rows.zones, period, zone),
        incidents=[_line(one, rows.follow_ups, due_after, now) for one in listed],
        names=rows.names,
    )


async def gather(session: AsyncSession, rota: Rota, period: Period, services: Sequence[str] = ()) -> Rows:
    """The rows of the period and the one before it (incidents and alerts), and the period's own rest."""
    start, end = period.previous().start, period.end
    shifts: list[Shift] = []
    overrides = await rota.overrides(session, period.start, end)
    for name in rota.names:
        shifts += resolver.shifts(rota.get(name), overrides.get(name, []), period.start, end)
    pages = await queries.pages(session, start=period.start, end=end, services=services)
    people_named = {page.target for page in pages if page.kind == "user"} | {p for s in shifts for p in s.people}
    items = await queries.follow_ups(session, start=period.start, end=end, services=services)
    people_named |= {item.owner for item in items if item.owner}
    return Rows(
        incidents=await queries.incidents(session, start=start, end=end, services=services),
        alerts=await queries.alerts(session, start=period.start, end=end),
        follow_ups=items,
        pages=pages,
        evaluations=await queries.last_evaluations(session, start=period.start, end=end, services=services),
        shifts=shifts,
        zones=await asyncio.to_thread(people.zones, await user_queries.zones(session, people_named)),
        names=await user_queries.names(session, people_named, fetched_since=EVER),
    )
