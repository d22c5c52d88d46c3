"""The configured schedules as models, with what the database adds: fetched calendars, resolved e-mails.

Definitions come from ONCALL_CONFIG and never change while the bot runs; calendars and e-mail lookups
are read from the database on each use, so every replica answers from the same copy whichever of them
fetched it. A parsed calendar is kept in memory until its stored copy changes (its text, not its fetch time: the
poller stores the same text again every 15 minutes, and a big calendar takes a while to parse).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.errors import UserError
from bot.schedules.calendars import shown
from bot.schedules.config import ScheduleConfig
from bot.schedules.ical import parse_calendar
from bot.schedules.models import NoShifts, Override, Schedule, ShiftSource
from storage.queries import oncall as queries

log = logging.getLogger("oncall.schedules")


@dataclass(frozen=True)
class Rota:
    """Every schedule as it stands now, by name (case aside)."""

    schedules: dict[str, Schedule]

    @property
    def names(self) -> list[str]:
        return [schedule.name for schedule in self.schedules.values()]

    def get(self, name: str) -> Schedule:
        schedule = self.schedules.get(name.strip().lower())
        if schedule is None:
            if not self.schedules:
                raise UserError(texts.oncall.NO_SCHEDULES)
            raise UserError(texts.oncall.no_such_schedule(name, self.names))
        return schedule

    async def overrides(
        self, session: AsyncSession, start: datetime, end: datetime, *, of: Sequence[str] | None = None
    ) -> dict[str, list[Override]]:
        """The overrides in force in [start, end), oldest first, by schedule name."""
        names = list(of) if of is not None else self.names
        found: dict[str, list[Override]] = {name: [] for name in names}
        for row in await queries.overrides_between(session, names, start, end):
            found.setdefault(row.schedule, []).append(Override(tuple(row.people), row.start_at, row.end_at, row.id))
        return found


class Catalog:
    def __init__(self, configs: Sequence[ScheduleConfig], zone: ZoneInfo) -> None:
        self.configs = {config.name.lower(): config for config in configs}
        self._zone = zone
        self._parsed: dict[str, tuple[bytes, ShiftSource]] = {}

    def locations(self) -> list[str]:
        """Every calendar a schedule reads, once each."""
        return list(dict.fromkeys(location for c in self.configs.values() for location in c.ical_locations()))

    def emails(self) -> list[str]:
        """Every e-mail address a layer names, for users.lookupByEmail."""
        found = (user for c in self.configs.values() for layer in c.layers for user in layer.users or () if "@" in user)
        return list(dict.fromkeys(found))

    def zone_of(self, config: ScheduleConfig) -> ZoneInfo:
        return ZoneInfo(config.timezone) if config.timezone else self._zone

    async def load(self, session: AsyncSession) -> Rota:
        if not self.configs:
            return Rota({})
        stored = await queries.calendars(session) if self.locations() else {}
        names = {email: user for email, user in (await queries.emails(session)).items() if user}
        schedules: dict[str, Schedule] = {}
        for key, config in self.configs.items():
            zone = self.zone_of(config)
            calendars: dict[str, ShiftSource] = {}
            for location in config.ical_locations():
                row = stored.get(location)
                if row is not None and row.body is not None:
                    calendars[location] = self._calendar(location, row.body, zone)
            schedules[key] = config.to_schedule(self._zone, calendars).renamed(names)
        return Rota(schedules)

    def _calendar(self, location: str, body: str, zone: ZoneInfo) -> ShiftSource:
        cache_key = f"{location}\n{zone.key}"
        digest = hashlib.blake2b(body.encode()).digest()
        cached = self._parsed.get(cache_key)
        if cached is not None and cached[0] == digest:
            return cached[1]
        try:
            source: ShiftSource = parse_calendar(body, zone)
        except ValueError as exc:  # the poller checks before storing, so only a hand-edited row gets here
            log.warning("schedules.calendar_unreadable calendar=%s error=%s", shown(location), exc)
            return NoShifts()
        self._parsed[cache_key] = (digest, source)
        return source
