"""What the schedule pages show: every schedule's on call now, and one schedule's next 14 days as a timeline.

The timeline is drawn by the server as positioned blocks (a percentage of the window each), so the page
needs no script: a row per layer (when it is held, before priorities), a row of overrides, and the
resolved row with its gaps marked. Times are in the schedule's own zone; the window starts at its local
midnight today. People appear as the display names the bot has cached, their user ids until then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.errors import UserError
from bot.schedules import export, resolver
from bot.schedules.catalog import Catalog
from bot.schedules.clock import DAY, instant, wall
from bot.schedules.models import Override, Schedule, Shift
from storage.engine import Database
from storage.queries import users as user_queries

TIMELINE_DAYS = 14
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
COLOURS = 8  # people get the classes person-0 … person-7, in the order they first appear


class ScheduleNotFound(UserError):
    """The address names a schedule the configuration does not have."""


@dataclass(frozen=True)
class Block:
    start: datetime
    end: datetime
    people: tuple[str, ...]
    left: float  # percent of the window
    width: float
    colour: int | None  # None: a gap, or more than one person

    @property
    def style(self) -> str:
        return f"left:{self.left:.3f}%;width:{self.width:.3f}%"


@dataclass(frozen=True)
class Row:
    label: str
    kind: str  # layer, overrides, resolved
    blocks: list[Block]


@dataclass(frozen=True)
class Day:
    start: datetime
    left: float
    label: str  # "Thu 3"


@dataclass(frozen=True)
class Timeline:
    schedule: Schedule
    start: datetime
    end: datetime
    days: list[Day]
    rows: list[Row]
    shifts: list[Shift]  # the resolved row, as a list
    now: float | None  # where now is, in percent of the window
    people: dict[str, str]  # display names by user id

    def name(self, person: str) -> str:
        return self.people.get(person, person)

    def names(self, people: Sequence[str]) -> str:
        return ", ".join(self.name(person) for person in people) if people else "nobody"


@dataclass(frozen=True)
class Listed:
    schedule: Schedule
    on_call: tuple[str, ...]
    until: datetime | None


@dataclass(frozen=True)
class SchedulePage:
    timeline: Timeline
    token: str | None  # the calendar subscription's secret; None until the bot has started once


class ScheduleViews:
    def __init__(self, database: Database, catalog: Catalog) -> None:
        self._database = database
        self._catalog = catalog

    async def listing(self, now: datetime) -> tuple[list[Listed], dict[str, str]]:
        async with self._database.reading() as session:
            rota = await self._catalog.load(session)
            overrides = await rota.overrides(session, now, now + resolver.HORIZON)
            listed = []
            for schedule in rota.schedules.values():
                answer = resolver.on_call(schedule, overrides.get(schedule.name, []), now)
                listed.append(Listed(schedule, answer.people, answer.until))
            people = await _names(session, [person for item in listed for person in item.on_call])
        return listed, people

    async def page(self, name: str, now: datetime) -> SchedulePage:
        if name.strip().lower() not in self._catalog.configs:
            raise ScheduleNotFound(texts.oncall.no_such_schedule_page(name))
        async with self._database.reading() as session:
            rota = await self._catalog.load(session)
            schedule = rota.get(name)
            zone = schedule.zone
            start = instant(wall(now, zone).replace(hour=0, minute=0, second=0, microsecond=0), zone)
            end = instant(wall(start, zone) + TIMELINE_DAYS * DAY, zone)
            overrides = (await rota.overrides(session, start, end, of=[schedule.name]))[schedule.name]
            layers = resolver.layer_shifts(schedule, start, end)
            shifts = resolver.shifts(schedule, overrides, start, end)
            held: list[Shift | Override] = [*shifts, *overrides, *(shift for layer in layers for shift in layer)]
            people = await _names(session, [person for shift in held for person in shift.people])
            token = await export.calendar_token(session, schedule.name)
        return SchedulePage(_timeline(schedule, layers, overrides, shifts, people, start, end, now), token)

    async def subscription(self, name: str, token: str, now: datetime) -> str | None:
        async with self._database.reading() as session:
            return await export.subscription(session, await self._catalog.load(session), name, token, now=now)


async def _names(session: AsyncSession, people: Sequence[str]) -> dict[str, str]:
    # An e-mail address no Slack user was found for has no name but itself.
    return await user_queries.names(session, [person for person in people if "@" not in person], fetched_since=EPOCH)


def _timeline(
    schedule: Schedule,
    layers: list[list[Shift]],
    overrides: Sequence[Override],
    shifts: list[Shift],
    people: dict[str, str],
    start: datetime,
    end: datetime,
    now: datetime,
) -> Timeline:
    span = (end - start).total_seconds()
    colours: dict[str, int] = {}

    def block(begins: datetime, ends: datetime, who: tuple[str, ...]) -> Block:
        begins, ends = max(begins, start), min(ends, end)
        colour = None
        if len(who) == 1:
            colour = colours.setdefault(who[0], len(colours) % COLOURS)
        left = (begins - start).total_seconds() / span * 100
        return Block(begins, ends, who, left, (ends - begins).total_seconds() / span * 100, colour)

    resolved = Row("On call", "resolved", [block(s.start, s.end, s.people) for s in shifts])
    rows = [
        Row(layer.name, "layer", [block(s.start, s.end, s.people) for s in held])
        for layer, held in zip(schedule.layers, layers, strict=True)
    ]
    rows.append(Row("Overrides", "overrides", [block(o.start, o.end, o.people) for o in overrides]))
    days, day = [], wall(start, schedule.zone)
    while (moment := instant(day, schedule.zone)) < end:
        days.append(Day(moment, (moment - start).total_seconds() / span * 100, f"{day:%a} {day.day}"))
        day += timedelta(days=1)
    here = (now - start).total_seconds() / span * 100 if start <= now < end else None
    return Timeline(schedule, start, end, days, [*rows, resolved], shifts, here, people)
