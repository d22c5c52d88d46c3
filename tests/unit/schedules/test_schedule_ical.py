"""iCal in and out: a team's calendar as a layer gives the calendar's answers; an exported calendar is the shifts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from hypothesis import given
from hypothesis import strategies as st

from bot.schedules.ical import export_calendar, parse_calendar
from bot.schedules.models import CalendarLayer, Layer, Override, Restriction, Schedule, Shift
from bot.schedules.resolver import on_call, shifts
from tests.unit.schedules.strategies import PROPERTIES, Case, cases, merged

MADRID = ZoneInfo("Europe/Madrid")
WEEK, DAY = timedelta(weeks=1), timedelta(days=1)

# A three-person weekly rota kept as three events repeating every three weeks (as a team does in a shared
# calendar), with exceptions: Bob's week of 15 November is cancelled (EXDATE) and Alice's of 8 November
# starts three hours late (RECURRENCE-ID). Dave's all-day event on 10 November overlaps Alice.
ROTA = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example Corp//Team calendar//EN
BEGIN:VTIMEZONE
TZID:Europe/Madrid
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:alice-rota@example.com
DTSTAMP:20271001T000000Z
DTSTART;TZID=Europe/Madrid:20271018T090000
DTEND;TZID=Europe/Madrid:20271025T090000
RRULE:FREQ=WEEKLY;INTERVAL=3
SUMMARY:On call
ATTENDEE;CN=Alice:mailto:alice@example.com
END:VEVENT
BEGIN:VEVENT
UID:alice-rota@example.com
DTSTAMP:20271001T000000Z
RECURRENCE-ID;TZID=Europe/Madrid:20271108T090000
DTSTART;TZID=Europe/Madrid:20271108T120000
DTEND;TZID=Europe/Madrid:20271115T090000
SUMMARY:On call (late start)
ATTENDEE;CN=Alice:mailto:alice@example.com
END:VEVENT
BEGIN:VEVENT
UID:bob-rota@example.com
DTSTAMP:20271001T000000Z
DTSTART;TZID=Europe/Madrid:20271025T090000
DTEND;TZID=Europe/Madrid:20271101T090000
RRULE:FREQ=WEEKLY;INTERVAL=3
EXDATE;TZID=Europe/Madrid:20271115T090000
SUMMARY:bob@example.com
END:VEVENT
BEGIN:VEVENT
UID:carol-rota@example.com
DTSTAMP:20271001T000000Z
DTSTART;TZID=Europe/Madrid:20271101T090000
DTEND;TZID=Europe/Madrid:20271108T090000
RRULE:FREQ=WEEKLY;INTERVAL=3
SUMMARY:Carol <@U0CAROL>
END:VEVENT
BEGIN:VEVENT
UID:dave-training@example.com
DTSTAMP:20271001T000000Z
DTSTART;VALUE=DATE:20271110
DTEND;VALUE=DATE:20271111
SUMMARY:U0DAVE shadowing
END:VEVENT
END:VCALENDAR
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MADRID)


def rota() -> Schedule:
    return Schedule("payments", MADRID, (CalendarLayer("team calendar", parse_calendar(ROTA, MADRID)),))


def test_an_imported_rota_with_recurrences_and_exceptions_gives_the_calendars_shifts() -> None:
    found = shifts(rota(), [], at("2027-10-18T00:00"), at("2027-12-06T09:00"))

    assert [(s.start, s.end, s.people) for s in found] == [
        (at("2027-10-18T00:00"), at("2027-10-18T09:00"), ()),
        (at("2027-10-18T09:00"), at("2027-10-25T09:00"), ("alice@example.com",)),
        (at("2027-10-25T09:00"), at("2027-11-01T09:00"), ("bob@example.com",)),  # 09:00 CET after 31 October
        (at("2027-11-01T09:00"), at("2027-11-08T09:00"), ("U0CAROL",)),
        (at("2027-11-08T09:00"), at("2027-11-08T12:00"), ()),  # the moved occurrence starts at noon
        (at("2027-11-08T12:00"), at("2027-11-10T00:00"), ("alice@example.com",)),
        (at("2027-11-10T00:00"), at("2027-11-11T00:00"), ("U0DAVE", "alice@example.com")),  # both are on call
        (at("2027-11-11T00:00"), at("2027-11-15T09:00"), ("alice@example.com",)),
        (at("2027-11-15T09:00"), at("2027-11-22T09:00"), ()),  # Bob's cancelled week
        (at("2027-11-22T09:00"), at("2027-11-29T09:00"), ("U0CAROL",)),
        (at("2027-11-29T09:00"), at("2027-12-06T09:00"), ("alice@example.com",)),
    ]
    assert at("2027-10-25T09:00").utcoffset() != at("2027-11-01T09:00").utcoffset()


@PROPERTIES
@given(st.integers(0, 120 * 24 * 60))
def test_who_is_on_call_is_who_the_calendar_itself_says(minutes: int) -> None:
    moment = datetime(2027, 10, 11, tzinfo=UTC) + timedelta(minutes=minutes)
    calendar = recurring_ical_events.of(icalendar.Calendar.from_ical(ROTA))

    # The calendar's own answer: the events happening at that moment, and whom they name.
    happening = calendar.between(moment, moment + timedelta(seconds=1))
    names = {
        "alice-rota@example.com": "alice@example.com",
        "bob-rota@example.com": "bob@example.com",
        "carol-rota@example.com": "U0CAROL",
        "dave-training@example.com": "U0DAVE",
    }
    expected = tuple(sorted(names[str(event["UID"])] for event in happening))

    assert on_call(rota(), [], moment).people == expected


def test_a_calendar_layer_takes_restrictions_and_overrides_like_any_layer() -> None:
    business_hours = (Restriction(frozenset(range(5)), time(9), time(17)),)
    calendar = CalendarLayer("team calendar", parse_calendar(ROTA, MADRID), business_hours)
    schedule = Schedule("payments", MADRID, (Layer("fallback", ("U0PAT",), datetime(2027, 1, 1), WEEK), calendar))
    cover = [Override(("U0ERIN",), at("2027-10-19T10:00"), at("2027-10-19T11:00"))]

    assert on_call(schedule, cover, at("2027-10-19T08:00")).people == ("U0PAT",)  # before business hours
    assert on_call(schedule, cover, at("2027-10-19T09:30")).people == ("alice@example.com",)
    assert on_call(schedule, cover, at("2027-10-19T10:30")).people == ("U0ERIN",)
    assert on_call(schedule, cover, at("2027-10-19T10:30")).until == at("2027-10-19T11:00")


def test_an_event_without_a_start_is_left_out_and_the_rest_still_answers() -> None:
    text = ROTA.replace(
        "BEGIN:VEVENT\nUID:dave-training@example.com\nDTSTAMP:20271001T000000Z\nDTSTART;VALUE=DATE:20271110\n",
        "BEGIN:VEVENT\nUID:dave-training@example.com\n",
    )
    assert text != ROTA
    schedule = Schedule("payments", MADRID, (CalendarLayer("team calendar", parse_calendar(text, MADRID)),))

    assert on_call(schedule, [], at("2027-11-10T12:00")).people == ("alice@example.com",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello", "not an iCal calendar"),
        ("BEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\n", "not an iCal calendar"),
    ],
)
def test_text_that_is_not_a_calendar_is_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        parse_calendar(text, MADRID)
    assert "\n" not in str(caught.value)


def _three_layers() -> Schedule:
    return Schedule(
        "payments",
        MADRID,
        (
            Layer("primary", ("U0ALICE", "bob@example.com", "U0CAROL"), datetime(2026, 12, 7, 9), WEEK),
            Layer(
                "business-hours",
                ("U0DAVE",),
                datetime(2026, 12, 7, 9),
                WEEK,
                (Restriction(frozenset(range(5)), time(9), time(17)),),
            ),
        ),
    )


def test_an_exported_calendar_parses_and_its_events_are_the_resolvers_shifts() -> None:
    two_people = [Override(("U0ERIN", "U0FRAN"), at("2026-12-09T20:00"), at("2026-12-10T08:00"), 7)]
    found = shifts(_three_layers(), two_people, at("2026-12-07T00:00"), at("2026-12-22T00:00"))
    stamp = datetime(2026, 12, 1, tzinfo=UTC)

    text = export_calendar("payments", MADRID, found, emails={"U0ALICE": "alice@example.com"}, stamp=stamp)
    calendar = icalendar.Calendar.from_ical(text)

    events = list(calendar.walk("VEVENT"))
    assert [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in events] == [(s.start, s.end) for s in found if s.people]
    assert [str(e["SUMMARY"]) for e in events] == [", ".join(s.people) for s in found if s.people]
    assert {e["DTSTART"].params["TZID"] for e in events} == {"Europe/Madrid"}
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Madrid"]
    attendees = {
        str(a) for e in events for a in (e["ATTENDEE"] if isinstance(e["ATTENDEE"], list) else [e["ATTENDEE"]])
    }
    assert attendees == {
        "mailto:alice@example.com",  # an address given for the user id
        "mailto:bob@example.com",  # a person who is an address
        "urn:x-oncall-bot:user:U0CAROL",
        "urn:x-oncall-bot:user:U0DAVE",
        "urn:x-oncall-bot:user:U0ERIN",
        "urn:x-oncall-bot:user:U0FRAN",
    }
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    again = icalendar.Calendar.from_ical(export_calendar("payments", MADRID, found, stamp=datetime.now(UTC)))
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == uids  # the same shifts keep their UIDs


def test_a_shift_starting_in_the_repeated_hour_is_exported_at_its_exact_instant() -> None:
    second_0230 = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 02:30 CET; 02:30 CEST was an hour earlier
    found = [Shift(second_0230, second_0230 + timedelta(hours=2), ("U0ERIN",))]

    text = export_calendar("payments", MADRID, found)

    [event] = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (second_0230, second_0230 + timedelta(hours=2))
    imported = Schedule("copy", MADRID, (CalendarLayer("copy", parse_calendar(text, MADRID)),))
    assert on_call(imported, [], second_0230 - timedelta(minutes=1)).until == second_0230


def test_nothing_on_call_exports_an_empty_calendar() -> None:
    text = export_calendar("payments", MADRID, [Shift(at("2026-12-07T00:00"), at("2026-12-08T00:00"), ())])

    calendar = icalendar.Calendar.from_ical(text)

    assert calendar.walk("VEVENT") == [] and str(calendar["X-WR-CALNAME"]) == "On call: payments"


@PROPERTIES
@given(cases())
def test_an_exported_calendar_read_back_as_a_layer_gives_the_same_shifts(case: Case) -> None:
    found = shifts(case.schedule, case.overrides, *case.window)
    text = export_calendar(case.schedule.name, case.schedule.zone, found, stamp=case.window[0])

    imported = Schedule("copy", case.schedule.zone, (CalendarLayer("copy", parse_calendar(text, case.schedule.zone)),))

    # A calendar's overlapping events name their people sorted.
    assert shifts(imported, [], *case.window) == merged([Shift(s.start, s.end, tuple(sorted(s.people))) for s in found])
