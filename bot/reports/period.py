"""Which span of time a report covers: the last 7, 30 or 90 days, or a from/to pair of dates.

A period of n days ends at the start of the current hour (so a report asked twice in an hour says the
same thing) and its previous period is the n days before it. A from/to pair is read as whole local days
in the bot's zone, `to` included, so DST changes give 23- or 25-hour days, never a shifted boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import texts
from bot.errors import UserError

MOST_DAYS = 366
DAYS = {"7d": 7, "30d": 30, "90d": 90}


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # excluded
    label: str  # "30d", or "2026-11-01..2026-11-30"

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Period:
        return Period(self.start - self.length, self.start, f"before {self.label}")

    def holds(self, at: datetime | None) -> bool:
        return at is not None and self.start <= at < self.end


def last(text: str, *, now: datetime) -> Period:
    """`7d`, `30d` or `90d` before the start of the current hour."""
    days = DAYS.get(text.strip().lower())
    if days is None:
        raise UserError(texts.reports.bad_period(text))
    end = now.replace(minute=0, second=0, microsecond=0)
    return Period(end - timedelta(days=days), end, text.strip().lower())


def _date(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(texts.reports.bad_date(option, text)) from None


def between(start_text: str, end_text: str, zone: ZoneInfo) -> Period:
    """From the first local midnight of `start_text` to the end of the day `end_text`, both in `zone`."""
    first, final = _date("--from", start_text), _date("--to", end_text)
    if final < first:
        raise UserError(texts.reports.backwards(start_text, end_text))
    days = (final - first).days + 1
    if days > MOST_DAYS:
        raise UserError(texts.reports.too_long(days, MOST_DAYS))
    # In UTC from here on: arithmetic on zone-aware datetimes is wall-clock arithmetic, off by DST's hour.
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(final + timedelta(days=1), time(), zone).astimezone(UTC)
    return Period(start, end, f"{first.isoformat()}..{final.isoformat()}")
