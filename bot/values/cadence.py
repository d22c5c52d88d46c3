"""When a cadence (start, every, count) fires, with APScheduler's triggers doing the calendar work.

Whole days and weeks keep their wall-clock time across daylight-saving changes (a 10:00 retro stays
at 10:00), so they use a CronTrigger on the start's time of day, keeping every n-th day or week;
shorter cadences are fixed intervals (IntervalTrigger).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import texts

DAY, WEEK = timedelta(days=1), timedelta(weeks=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Cadence:
    start: datetime  # aware, in the configured time zone
    every: timedelta
    count: int | None = None  # None: forever

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError("a cadence starts at a time with a time zone")
        if self.every <= timedelta():
            raise ValueError("a cadence repeats after a positive duration")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1")

    def _trigger(self) -> tuple[BaseTrigger, timedelta | None]:
        zone = self.start.tzinfo
        if self.every % WEEK == timedelta():
            weekday = WEEKDAYS[self.start.weekday()]
            trigger = CronTrigger(
                day_of_week=weekday,
                hour=self.start.hour,
                minute=self.start.minute,
                second=self.start.second,
                start_date=self.start,
                timezone=zone,
            )
            return trigger, WEEK
        if self.every % DAY == timedelta():
            trigger = CronTrigger(
                hour=self.start.hour,
                minute=self.start.minute,
                second=self.start.second,
                start_date=self.start,
                timezone=zone,
            )
            return trigger, DAY
        return IntervalTrigger(seconds=self.every.total_seconds(), start_date=self.start, timezone=zone), None

    def occurrences(self) -> Iterator[datetime]:
        """Every firing time in order: `count` of them, or without end."""
        trigger, unit = self._trigger()
        step = round(self.every / unit) if unit else 1
        previous: datetime | None = None
        now = self.start
        produced = index = 0
        while self.count is None or produced < self.count:
            fire = trigger.get_next_fire_time(previous, now)
            if fire is None:
                return
            previous, now = fire, fire
            if unit is not None and index % step:
                index += 1
                continue
            index += 1
            produced += 1
            yield fire

    def next_after(self, moment: datetime) -> datetime | None:
        """The first firing strictly after `moment`, or None once the count is used up."""
        # Jump close to `moment` instead of walking every past firing: a 1-minute cadence started a year
        # ago would otherwise take seconds of the event loop. One period is kept in hand for DST shifts.
        elapsed = moment.astimezone(UTC) - self.start.astimezone(UTC)  # real time: same-zone subtraction is wall time
        skipped = max(0, int(elapsed / self.every) - 1) if moment > self.start else 0
        if self.count is not None:
            skipped = min(skipped, self.count)
            if skipped == self.count:
                return None
        rest = self if skipped == 0 else self._after_skipping(skipped)
        for fire in rest.occurrences():
            if fire > moment:
                return fire
        return None

    def _after_skipping(self, skipped: int) -> Cadence:
        """The same cadence from its `skipped`-th firing on, counted as its trigger counts."""
        zone = self.start.tzinfo
        if self.every % DAY == timedelta():  # whole days keep the wall-clock time
            start = (self.start.replace(tzinfo=None) + self.every * skipped).replace(tzinfo=zone)
        else:  # shorter intervals are real elapsed time, across DST changes too
            start = (self.start.astimezone(UTC) + self.every * skipped).astimezone(zone)
        return Cadence(start, self.every, None if self.count is None else self.count - skipped)


def local_start(text: str, zone: ZoneInfo) -> datetime:
    """`2026-12-01T10:00` (local to the configured zone) or a time with an explicit offset."""
    try:
        moment = datetime.fromisoformat(text.strip())
        return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)
    except (ValueError, OverflowError):
        raise ValueError(texts.reminders.not_a_start_time(text)) from None
