"""On-call load per person: the pages they received, by the hour of their own day, and their hours on call.

A page's hour is read in the paged person's zone (users.info `tz`, stored in slack_users), else the bot's:
sleep hours are 22:00–08:00 every day, business hours 09:00–18:00 Monday to Friday, off hours the rest.
Hours on call are the schedules' shifts (overrides included) that fall in the period, a person on call
in two schedules at once counted once. Pure: rows in, values out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.reports.period import Period
from bot.schedules.models import Shift
from storage.tables import Page

SLEEP_FROM, SLEEP_UNTIL = 22, 8
BUSINESS_FROM, BUSINESS_UNTIL = 9, 18


@dataclass(frozen=True)
class PersonLoad:
    person: str
    zone: str | None  # None: Slack's zone is not known, the bot's was used
    pages: int
    business: int
    off: int
    sleep: int
    hours_on_call: float


def hours_kind(at: datetime) -> str:
    """sleep, business or off, for a local time."""
    if at.hour >= SLEEP_FROM or at.hour < SLEEP_UNTIL:
        return "sleep"
    if at.weekday() < 5 and BUSINESS_FROM <= at.hour < BUSINESS_UNTIL:
        return "business"
    return "off"


def zones(names: Mapping[str, str]) -> dict[str, ZoneInfo]:
    """Each person's zone, reading tzdata from disk (so not on the event loop); a name Python lacks is left out."""
    found: dict[str, ZoneInfo] = {}
    for person, name in names.items():
        try:
            found[person] = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return found


def _on_call(shifts: Sequence[Shift], period: Period) -> dict[str, timedelta]:
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    for shift in shifts:
        start, end = max(shift.start, period.start), min(shift.end, period.end)
        if start < end:
            for person in shift.people:
                spans.setdefault(person, []).append((start, end))
    held: dict[str, timedelta] = {}
    for person, pieces in spans.items():
        total, reached = timedelta(), None
        for start, end in sorted(pieces):
            if reached is not None and start < reached:
                start = reached
            if end > start:
                total += end - start
                reached = end
        held[person] = total
    return held


def load(
    pages: Sequence[Page], shifts: Sequence[Shift], zones: Mapping[str, ZoneInfo], period: Period, fallback: ZoneInfo
) -> list[PersonLoad]:
    """Everyone paged or on call in the period, most sleep pages first, then most pages."""
    counts: dict[str, dict[str, int]] = {}
    for page in pages:
        if page.kind != "user" or not period.holds(page.at):
            continue
        kind = hours_kind(page.at.astimezone(zones.get(page.target, fallback)))
        row = counts.setdefault(page.target, {"business": 0, "off": 0, "sleep": 0})
        row[kind] += 1
    held = _on_call(shifts, period)
    people = [
        PersonLoad(
            person=person,
            zone=zones[person].key if person in zones else None,
            pages=sum(counts.get(person, {}).values()),
            business=counts.get(person, {}).get("business", 0),
            off=counts.get(person, {}).get("off", 0),
            sleep=counts.get(person, {}).get("sleep", 0),
            hours_on_call=round(held.get(person, timedelta()).total_seconds() / 3600, 2),
        )
        for person in set(counts) | set(held)
    ]
    people.sort(key=lambda one: (-one.sleep, -one.pages, -one.hours_on_call, one.person))
    return people
