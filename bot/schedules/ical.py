"""iCal in and out: a calendar a team already keeps as a layer, and a schedule's shifts as a calendar.

In: each event is a shift of the people it names: its ATTENDEEs (a `mailto:` address, or the user id this
module writes), or else the e-mail addresses and Slack user ids in its SUMMARY, or else the SUMMARY itself.
Recurrences (RRULE, RDATE) and their exceptions (EXDATE, RECURRENCE-ID) are expanded by
recurring-ical-events, as calendar apps do. All-day and floating (zone-less) times are read in the
schedule's zone. Fetching and polling the calendar is the caller's: this module reads text.

Out: one VEVENT per shift with someone on call, its times in the schedule's zone (TZID, with the VTIMEZONE;
in UTC for an instant in the second pass of a repeated hour, which a local time cannot name),
the people in SUMMARY and as ATTENDEEs, and a UID that stays the same for the same shift across exports.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from bot.schedules.clock import DAY, instant, utc
from bot.schedules.models import Shift

PRODID = "-//oncall-bot//on-call schedules//EN"
# An ATTENDEE must be a URI; a Slack user without a known e-mail address is written as this one.
USER_URI = "urn:x-oncall-bot:user:"
_MENTION = re.compile(
    r"<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>|\b([UW](?=[A-Z0-9]*\d)[A-Z0-9]{2,})\b|([^@\s<>,;]+@[^@\s<>,;]+)"
)

_ADDRESS = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")


class IcalSource:
    """A parsed calendar, answering which shifts overlap a time range (a ShiftSource for a CalendarLayer)."""

    def __init__(self, calendar: icalendar.Calendar, zone: ZoneInfo) -> None:
        self.zone = zone
        self._calendar = calendar
        # skip_bad_series: one broken recurrence (an RRULE no one can expand) must not empty the whole layer.
        self._query = recurring_ical_events.of(calendar, skip_bad_series=True)

    def between(self, start: datetime, end: datetime) -> Sequence[Shift]:
        found: list[Shift] = []
        for event in self._query.between(utc(start), utc(end)):
            if str(event.get("STATUS", "")).upper() == "CANCELLED":
                continue
            people = event_people(event)
            begins, ends = self._instant(event.get("DTSTART")), self._instant(_end(event))
            if people and begins is not None and ends is not None and ends > begins:
                found.append(Shift(begins, ends, people))
        return found

    def addresses(self) -> list[str]:
        """Every e-mail address its events name, once each (for users.lookupByEmail)."""
        found = (person for event in self._calendar.events for person in event_people(event))
        return list(dict.fromkeys(person for person in found if _ADDRESS.fullmatch(person)))

    def _instant(self, value: Any) -> datetime | None:
        moment = getattr(value, "dt", value)
        if isinstance(moment, datetime):
            return instant(moment, self.zone) if moment.tzinfo is None else utc(moment)
        if isinstance(moment, date):  # an all-day event starts and ends at local midnights
            return instant(datetime.combine(moment, time()), self.zone)
        return None


def parse_calendar(text: str | bytes, zone: ZoneInfo) -> IcalSource:
    """A calendar's text as a source of shifts; ValueError with one line saying what is wrong otherwise."""
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError) as exc:
        raise ValueError(f"not an iCal calendar ({_first_line(exc)})") from None
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise ValueError("not an iCal calendar: it must begin with BEGIN:VCALENDAR")
    # An event without a start is no shift, and would make every later query of the calendar fail.
    calendar.subcomponents = [
        component for component in calendar.subcomponents if component.name != "VEVENT" or "DTSTART" in component
    ]
    return IcalSource(calendar, zone)


def event_people(event: icalendar.Event) -> tuple[str, ...]:
    """Who an event puts on call, in the order it names them (see the module's rules)."""
    attendees = event.get("ATTENDEE")
    listed = attendees if isinstance(attendees, list) else [attendees] if attendees is not None else []
    people = [_person(str(attendee)) for attendee in listed]
    if not any(people):
        summary = str(event.get("SUMMARY", "")).strip()
        people = ["".join(match.groups("")) for match in _MENTION.finditer(summary)] or [summary]
    return tuple(dict.fromkeys(person for person in people if person))


def _person(address: str) -> str:
    if address.lower().startswith("mailto:"):
        return address[len("mailto:") :].strip()
    if address.startswith(USER_URI):
        return address[len(USER_URI) :].strip()
    return ""


def _end(event: icalendar.Event) -> Any:
    # recurring-ical-events gives every occurrence a DTEND; an event written with neither DTEND nor
    # DURATION lasts a day if it is all-day and no time otherwise (RFC 5545 3.6.1), which is no shift.
    return event.get("DTEND") or event.get("DTSTART")


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def export_calendar(
    name: str,
    zone: ZoneInfo,
    shifts: Iterable[Shift],
    *,
    emails: Mapping[str, str] | None = None,
    stamp: datetime | None = None,
) -> str:
    """A VCALENDAR of `shifts` (gaps left out) for schedule `name`.

    `emails` gives people's addresses (user id → e-mail) for their ATTENDEE lines; a person who is an
    address already, or has none, is written as is. `stamp` is every event's DTSTAMP (default: now).
    """
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("X-WR-CALNAME", f"On call: {name}")
    addresses = emails or {}
    stamped = utc(stamp) if stamp else datetime.now(UTC)
    kept = [shift for shift in shifts if shift.people]
    for shift in kept:
        event = icalendar.Event()
        event.add("UID", _uid(name, shift))
        event.add("DTSTAMP", stamped)
        event.add("DTSTART", _local(shift.start, zone))
        event.add("DTEND", _local(shift.end, zone))
        event.add("SUMMARY", ", ".join(shift.people))
        for person in shift.people:
            event.add("ATTENDEE", _address(person, addresses), parameters={"CN": person})
        calendar.add_component(event)
    if kept:
        # The VTIMEZONE covers the exported range, so any client reads the local times the same way.
        calendar.add_missing_timezones(first_date=kept[0].start.date() - DAY, last_date=kept[-1].end.date() + DAY)
    return str(calendar.to_ical().decode("utf-8"))


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    local = utc(moment).astimezone(zone)
    # A time in the repeated hour of a fall-back night reads as its first occurrence in iCal (RFC 5545 3.3.5):
    # the second one is written in UTC, the only way to name it exactly.
    return utc(moment) if local.replace(fold=0).astimezone(UTC) != utc(moment) else local


def _address(person: str, emails: Mapping[str, str]) -> icalendar.vCalAddress:
    address = emails.get(person) or (person if "@" in person else None)
    return icalendar.vCalAddress(f"mailto:{address}" if address else f"{USER_URI}{person}")


def _uid(name: str, shift: Shift) -> str:
    # The same shift keeps its UID when exported again, even when its end moved (an override shortened
    # it, or the export window cut it): calendar apps then update the event instead of adding a copy.
    key = f"{name}|{utc(shift.start).isoformat()}|{','.join(shift.people)}"
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@oncall-bot"
