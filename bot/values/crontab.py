"""Standard five-field cron expressions (`0 9 * * MON`) as APScheduler triggers in a time zone.

APScheduler 3 numbers weekdays from Monday = 0, where cron numbers them from Sunday = 0 (7 too), so
`0 9 * * 1` would fire on Tuesdays. The weekday field is rewritten to day names before it is handed over.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

_ONE_SECOND = timedelta(seconds=1)
_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_USAGE = "write five fields: minute hour day-of-month month day-of-week, e.g. '0 9 * * MON'"


def _day(token: str) -> int:
    token = token.strip().lower()
    if token.isdigit() and int(token) <= 7:
        return int(token) % 7
    if token[:3] in _NAMES:
        return _NAMES.index(token[:3])
    raise ValueError(f"{token!r} is not a day of the week (0-7 or SUN..SAT)")


def _weekdays(field: str) -> str:
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(f"{part!r} has a bad step")
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            first_text, last_text = span.split("-", 1)
            first, last = _day(first_text), _day(last_text)
            if last_text.strip() == "7":
                last = 7  # `5-7` is Friday to Sunday
        else:
            first = last = _day(span)
        days.update(day % 7 for day in range(first, last + 1, step or 1))
    # APScheduler's own names, Monday first
    return ",".join(_NAMES[day] for day in sorted(days, key=lambda day: (day + 6) % 7))


def cron_trigger(expression: str, zone: ZoneInfo) -> CronTrigger:
    """A trigger for a standard cron expression; ValueError naming the problem otherwise."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"{expression!r} is not a cron expression: {_USAGE}")
    minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=_weekdays(weekday), timezone=zone
        )
    except ValueError as exc:
        raise ValueError(f"{expression!r} is not a cron expression ({exc}): {_USAGE}") from None


def next_run(expression: str, zone: ZoneInfo, *, after: datetime) -> datetime | None:
    """The first time the expression names strictly after `after`."""
    trigger = cron_trigger(expression, zone)
    moment: datetime | None = trigger.get_next_fire_time(None, after)
    if moment is not None and moment <= after:
        moment = trigger.get_next_fire_time(moment, moment.replace(microsecond=0) + _ONE_SECOND)
    return moment
