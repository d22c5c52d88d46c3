"""Calendar-aligned SLO windows: the current day, week, month, quarter or year in a time zone.

A period starts at an anchor's wall-clock time (midnight on the 1st by default) and lasts `count` calendar
units, so months are 28 to 31 days and a period holding a DST change is an hour shorter or longer: the
wall-clock bounds are placed in the zone with zoneinfo and measured in real (UTC) time.
docs/slo.md ("Calendar windows") shows the maths.
"""

from __future__ import annotations

import calendar as calendars
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import field_validator, model_validator

from bot.values.fields import Strict, ZoneName

CalendarUnit = Literal["day", "week", "month", "quarter", "year"]
_MONTHS: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}
# The longest period of each unit: what history and charts span for a calendar SLO.
LONGEST: dict[str, timedelta] = {
    "day": timedelta(hours=25),
    "week": timedelta(days=7, hours=1),
    "month": timedelta(days=31, hours=1),
    "quarter": timedelta(days=92, hours=1),
    "year": timedelta(days=366, hours=1),
}
# Weeks start on Monday (ISO 8601): 3 January 2000 was one.
_DEFAULT_ANCHOR = {"day": datetime(2000, 1, 1), "week": datetime(2000, 1, 3), "month": datetime(2000, 1, 1)}
_DAYS = {"day": 1, "week": 7}


@dataclass(frozen=True)
class Period:
    """One calendar period: [start, end), and how it is named to people."""

    start: datetime
    end: datetime
    label: str

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def days(self) -> int:
        """Whole days in the period as the calendar counts them (a 25-hour DST day is one day)."""
        return round(self.length / timedelta(days=1))

    def days_in(self, at: datetime) -> int:
        """Which day of the period `at` falls on, counting from 1."""
        return max(1, min(self.days(), math.ceil((at - self.start) / timedelta(days=1))))


class CalendarWindow(Strict):
    """`window: {calendar: month, timezone: Europe/Madrid}`: the current calendar period, not the last N days."""

    calendar: CalendarUnit
    timezone: ZoneName = "UTC"
    count: int = 1  # e.g. 2 weeks: OpenSLO's `duration: 2w`
    start: datetime | None = None  # the first period's wall-clock start in `timezone` (OpenSLO's startTime)

    @field_validator("count")
    @classmethod
    def _positive(cls, count: int) -> int:
        if count < 1:
            raise ValueError(f"must be 1 or more, got {count}")
        return count

    @model_validator(mode="before")
    @classmethod
    def _wall_clock(cls, data: Any) -> Any:
        # An offset on `start` would contradict `timezone`: the start is a wall-clock time in that zone.
        if isinstance(data, dict) and isinstance(data.get("start"), datetime) and data["start"].tzinfo is not None:
            data = {**data, "start": data["start"].replace(tzinfo=None)}
        return data

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def longest(self) -> timedelta:
        return LONGEST[self.calendar] * self.count

    def period(self, at: datetime) -> Period:
        """The period holding `at` (timezone-aware)."""
        zone = self.zone
        local = at.astimezone(zone).replace(tzinfo=None)
        anchor = self.start or _DEFAULT_ANCHOR.get(self.calendar, _DEFAULT_ANCHOR["month"])
        if self.calendar in _DAYS:
            # Wall-clock days: a DST day is still one day, 23 or 25 hours once placed in the zone.
            size = timedelta(days=_DAYS[self.calendar] * self.count)
            index = (local - anchor) // size
            begin, end = anchor + index * size, anchor + (index + 1) * size
        else:
            months = _MONTHS[self.calendar] * self.count
            index = ((local.year - anchor.year) * 12 + local.month - anchor.month) // months
            while _add_months(anchor, index * months) > local:
                index -= 1
            while _add_months(anchor, (index + 1) * months) <= local:
                index += 1
            begin, end = _add_months(anchor, index * months), _add_months(anchor, (index + 1) * months)
        start, stop = _placed(begin, zone), _placed(end, zone)
        return Period(start, stop, self._label(begin, end))

    def _label(self, begin: datetime, end: datetime) -> str:
        aligned = begin.time() == datetime.min.time() and self.count == 1
        if aligned and self.calendar == "month" and begin.day == 1:
            return f"{begin:%B}"
        if aligned and self.calendar == "quarter" and begin.day == 1 and begin.month in (1, 4, 7, 10):
            return f"Q{(begin.month - 1) // 3 + 1} {begin.year}"
        if aligned and self.calendar == "year" and (begin.month, begin.day) == (1, 1):
            return f"{begin.year}"
        if aligned and self.calendar == "week":
            return f"Week of {begin.day} {begin:%b}"
        if aligned and self.calendar == "day":
            return f"{begin.day} {begin:%b}"
        last = end - timedelta(microseconds=1)
        return f"{begin.day} {begin:%b} – {last.day} {last:%b}"

    def describe(self) -> str:
        """`calendar month, Europe/Madrid`, `2 calendar weeks, UTC`: how the window is written in replies and JSON."""
        unit = f"calendar {self.calendar}" if self.count == 1 else f"{self.count} calendar {self.calendar}s"
        return f"{unit}, {self.timezone}"


def _add_months(wall: datetime, months: int) -> datetime:
    """`months` calendar months later; a day the month lacks (the 31st) becomes its last day."""
    year, month = divmod(wall.month - 1 + months, 12)
    year += wall.year
    day = min(wall.day, calendars.monthrange(year, month + 1)[1])
    return wall.replace(year=year, month=month + 1, day=day)


def _placed(wall: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in `zone`, as UTC; a time the clocks skip is read with the offset before the change."""
    return wall.replace(tzinfo=zone).astimezone(UTC)


# `window: month` and `--window month`; `1d` and `1w` stay rolling durations, as they always were.
CALENDAR_WORDS: dict[str, CalendarUnit] = {
    "day": "day",
    "week": "week",
    "month": "month",
    "1M": "month",
    "quarter": "quarter",
    "1Q": "quarter",
    "year": "year",
    "1Y": "year",
}
