"""A schedule read from outside Slack: `oncall-bot oncall who|export` and the calendar subscription URL.

Everything here only reads: the definitions from ONCALL_CONFIG, the overrides people made in Slack and the
e-mail addresses looked up for them from the database. The calendar is the resolver's shifts of a window,
the one in progress shown whole (from when it began, looked for up to LOOKBACK back), so that a calendar
app polling the subscription sees the same event with the same UID each time, not one starting "now".
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.errors import UsageError, UserError
from bot.schedules import resolver
from bot.schedules.catalog import Catalog, Rota
from bot.schedules.config import ScheduleConfig
from bot.schedules.ical import export_calendar
from bot.schedules.models import Schedule, Shift
from bot.schedules.service import parse_time
from storage.queries import oncall as queries

DAY = timedelta(days=1)
LOOKBACK = timedelta(days=7)
MOST_DAYS = 90
# What the subscription URL serves: the shift in progress and those of the next 60 days.
SUBSCRIPTION_DAYS = 60


@dataclass(frozen=True)
class WhoAt:
    schedule: Schedule
    at: datetime
    on_call: tuple[str, ...]
    until: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "schedule": self.schedule.name,
            "at": self.at.isoformat(),
            "on_call": list(self.on_call),
            "until": self.until.isoformat() if self.until is not None else None,
        }

    def line(self) -> str:
        return texts.oncall.who_plain(self.schedule.name, self.schedule.zone, self.on_call, self.until)


def configured(catalog: Catalog, name: str) -> ScheduleConfig:
    """The named schedule's definition, checked before anything opens the database."""
    config = catalog.configs.get(name.strip().lower())
    if config is None:
        if not catalog.configs:
            raise UserError(texts.oncall.NO_SCHEDULES)
        raise UserError(texts.oncall.no_such_schedule(name, [c.name for c in catalog.configs.values()]))
    return config


def instant_option(
    option: str, text: str | None, catalog: Catalog, config: ScheduleConfig, *, now: datetime
) -> datetime:
    """An `--at`/`--from` time: ISO 8601 in the schedule's zone unless it carries an offset; `now` if not given."""
    if text is None:
        return now
    try:
        return parse_time(text, catalog.zone_of(config), now=now)
    except UserError as exc:
        raise UsageError(texts.cli.bad_option(option, exc)) from None


def days_option(text: str | None, *, default: int) -> int:
    if text is None:
        return default
    days = int(text) if text.strip().isdigit() else None
    if days is None or not 1 <= days <= MOST_DAYS:
        raise UsageError(texts.cli.bad_option("--days", texts.oncall.cli_days(text, MOST_DAYS)))
    return days


async def who_at(session: AsyncSession, rota: Rota, name: str, *, at: datetime) -> WhoAt:
    schedule = rota.get(name)
    overrides = await rota.overrides(session, at, at + resolver.HORIZON, of=[schedule.name])
    answer = resolver.on_call(schedule, overrides[schedule.name], at)
    return WhoAt(schedule, at, answer.people, answer.until)


async def calendar_shifts(
    session: AsyncSession, rota: Rota, name: str, *, start: datetime, days: int, user: str | None = None
) -> tuple[Schedule, list[Shift]]:
    """The shifts with someone on call overlapping [start, start + days), the first one whole; `user`: only theirs."""
    schedule = rota.get(name)
    begins, end = start - LOOKBACK, start + days * DAY
    overrides = await rota.overrides(session, begins, end, of=[schedule.name])
    found = [
        shift
        for shift in resolver.shifts(schedule, overrides[schedule.name], begins, end)
        if shift.end > start and shift.people and (user is None or user in shift.people)
    ]
    return schedule, found


async def calendar(
    session: AsyncSession, rota: Rota, name: str, *, start: datetime, days: int, user: str | None = None
) -> str:
    """The VCALENDAR of calendar_shifts(); attendees by the e-mail address looked up for them, when known."""
    schedule, found = await calendar_shifts(session, rota, name, start=start, days=days, user=user)
    emails = {user_id: email for email, user_id in (await queries.emails(session)).items() if user_id}
    return export_calendar(schedule.name, schedule.zone, found, emails=emails)


async def subscription(session: AsyncSession, rota: Rota, name: str, token: str, *, now: datetime) -> str | None:
    """The subscription's calendar, or None when the schedule or its token is wrong (the same answer for both)."""
    if not token or name.strip().lower() not in rota.schedules:
        return None
    schedule = rota.get(name)
    stored = await calendar_token(session, schedule.name)
    if stored is None or not hmac.compare_digest(token.encode(), stored.encode()):
        return None
    start = now.replace(second=0, microsecond=0)  # whole minutes: the last event's end is an iCal time
    return await calendar(session, rota, schedule.name, start=start, days=SUBSCRIPTION_DAYS)


async def calendar_token(session: AsyncSession, name: str) -> str | None:
    """The schedule's secret, created at start-up (bot/schedules/handoffs.py); None before the first."""
    state = (await queries.schedule_states(session)).get(name)
    return state.calendar_token if state is not None else None
