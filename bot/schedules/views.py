"""Read models of schedules: who is on call now and next, someone's shifts, a schedule's coming days."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.schedules import resolver
from bot.schedules.catalog import Rota
from bot.schedules.models import Schedule, Shift

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Who:
    schedule: Schedule
    people: tuple[str, ...]
    until: datetime | None
    then: tuple[str, ...]

    def line(self) -> str:
        return texts.oncall.who_line(self.schedule.name, self.schedule.zone, self.people, self.until, self.then)


async def who(session: AsyncSession, rota: Rota, name: str | None, *, at: datetime) -> list[Who]:
    """Who is on call at `at` in the named schedule, or in every one (the order of ONCALL_CONFIG)."""
    schedules = [rota.get(name)] if name else list(rota.schedules.values())
    if not schedules:
        return []
    overrides = await rota.overrides(session, at, at + resolver.HORIZON, of=[schedule.name for schedule in schedules])
    answers = []
    for schedule in schedules:
        mine = overrides.get(schedule.name, [])
        now = resolver.on_call(schedule, mine, at)
        then = resolver.on_call(schedule, mine, now.until).people if now.until is not None else ()
        answers.append(Who(schedule, now.people, now.until, then))
    return answers


async def shifts_of(
    session: AsyncSession, rota: Rota, person: str, *, start: datetime, days: int
) -> list[tuple[Schedule, Shift]]:
    """Every shift `person` is on call in, in any schedule, from `start` for `days`, soonest first."""
    end = start + days * DAY
    overrides = await rota.overrides(session, start, end)
    found = [
        (schedule, shift)
        for schedule in rota.schedules.values()
        for shift in resolver.shifts(schedule, overrides.get(schedule.name, []), start, end)
        if person in shift.people
    ]
    return sorted(found, key=lambda pair: pair[1].start)


async def coming(session: AsyncSession, rota: Rota, name: str, *, start: datetime, days: int) -> Sequence[Shift]:
    """The named schedule's shifts (gaps too) from `start` for `days`."""
    schedule = rota.get(name)
    end = start + days * DAY
    overrides = await rota.overrides(session, start, end, of=[schedule.name])
    return resolver.shifts(schedule, overrides[schedule.name], start, end)


def shift_lines(schedule: Schedule, shifts: Sequence[Shift]) -> list[str]:
    zone = schedule.zone
    return [
        texts.oncall.shift_line(schedule.name, s.start, s.end, zone, s.people)
        if s.people
        else texts.oncall.gap_line(s.start, s.end, zone)
        for s in shifts
    ]
