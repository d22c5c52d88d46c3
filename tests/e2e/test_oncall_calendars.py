"""iCal in, end to end: the leader fetches a team's calendar (over HTTP, or from a file), stores it, and
`/oncall` answers from it as the calendar itself says, exceptions included; e-mail addresses become users."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlmodel import select

from bot import texts
from bot.keys import config_key, scheduler_key
from bot.schedules.catalog import Catalog
from bot.schedules.resolver import on_call
from storage.tables import OncallCalendar, OncallEmail
from tests.e2e.conftest import People, StartBot, Workspace

MADRID = ZoneInfo("Europe/Madrid")


def team_calendar(first_monday: datetime) -> str:
    """Alice on weekdays (Mon 09:00 → Fri 17:00) and Bob on weekends, every week from `first_monday`;
    Alice's week three weeks on is cancelled (EXDATE), and four weeks on Carol takes it from Tuesday noon
    (a moved occurrence, RECURRENCE-ID)."""

    def at(days: float, hours: float = 0) -> str:
        return (first_monday + timedelta(days=days, hours=hours)).strftime("%Y%m%dT%H%M%S")

    return f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example Corp//Team calendar//EN
BEGIN:VEVENT
UID:weekdays@example.com
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Madrid:{at(0)}
DTEND;TZID=Europe/Madrid:{at(4, 8)}
RRULE:FREQ=WEEKLY;COUNT=10
EXDATE;TZID=Europe/Madrid:{at(21)}
SUMMARY:Weekdays
ATTENDEE;CN=Alice:mailto:alice@example.com
END:VEVENT
BEGIN:VEVENT
UID:weekdays@example.com
DTSTAMP:20261101T000000Z
RECURRENCE-ID;TZID=Europe/Madrid:{at(28)}
DTSTART;TZID=Europe/Madrid:{at(29, 3)}
DTEND;TZID=Europe/Madrid:{at(32, 8)}
SUMMARY:Weekdays (Carol covers)
ATTENDEE;CN=Carol:mailto:carol@example.com
END:VEVENT
BEGIN:VEVENT
UID:weekends@example.com
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Madrid:{at(4, 8)}
DTEND;TZID=Europe/Madrid:{at(7)}
RRULE:FREQ=WEEKLY;COUNT=10
SUMMARY:Weekends
ATTENDEE;CN=Bob:mailto:bob@example.com
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n")


@dataclass
class CalendarServer:
    """A team's calendar at a URL; `status` other than 200 makes it fail."""

    body: str
    url: str = ""
    status: int = 200
    served: list[int] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.served.append(self.status)
        if self.status != 200:
            return web.Response(status=self.status, text="down for maintenance")
        return web.Response(text=self.body, content_type="text/calendar")


@pytest.fixture
async def calendar(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> CalendarServer:
    now = datetime.now(MADRID)
    this_monday = (now - timedelta(days=now.weekday())).replace(hour=9, minute=0, second=0, microsecond=0)
    served = CalendarServer(team_calendar((this_monday - timedelta(weeks=2)).replace(tzinfo=None)))
    app = web.Application()
    app.router.add_get("/team.ics", served.handle)
    server = await aiohttp_server(app)
    served.url = str(server.make_url("/team.ics"))
    return served


def config(url: str, path: Path) -> str:
    return f"""
timezone: Europe/Madrid
schedules:
  - name: team
    layers:
      - name: calendar
        ical: {url}
  - name: onfile
    ical: {path}
"""


@dataclass(frozen=True)
class Expected:
    """What the calendar says, as recurring-ical-events expands it: (start, end, people) of each event."""

    events: list[tuple[datetime, datetime, tuple[str, ...]]]

    @classmethod
    def of(cls, text: str, people: People, start: datetime, end: datetime) -> Expected:
        ids = {"alice@example.com": people.alice, "bob@example.com": people.bob, "carol@example.com": people.carol}
        found = []
        for event in recurring_ical_events.of(icalendar.Calendar.from_ical(text)).between(start, end):
            attendees = event.get("ATTENDEE")
            listed = attendees if isinstance(attendees, list) else [attendees]
            names = tuple(ids[str(address).removeprefix("mailto:")] for address in listed)
            found.append((event["DTSTART"].dt.astimezone(UTC), event["DTEND"].dt.astimezone(UTC), names))
        found.sort()
        assert all(a[1] <= b[0] for a, b in pairwise(found)), "the test's events overlap"
        return cls(found)

    def at(self, moment: datetime) -> tuple[str, ...]:
        return next((names for start, end, names in self.events if start <= moment < end), ())

    def who(self, name: str, moment: datetime) -> str:
        now = self.at(moment)
        until = min(edge for start, end, _ in self.events for edge in (start, end) if edge > moment)
        return texts.oncall.who_line(name, MADRID, now, until, self.at(until))

    def lines(self, name: str) -> list[str]:
        lines, last = [], None
        for start, end, names in self.events:
            if last is not None and last < start:
                lines.append(texts.oncall.gap_line(last, start, MADRID))
            lines.append(texts.oncall.shift_line(name, start, end, MADRID, names))
            last = end
        return lines


async def oncall(workspace: Workspace, text: str) -> str:
    return str((await workspace.command(text, command="/oncall")).get("text", ""))


async def stored_calendar(workspace: Workspace, location: str) -> OncallCalendar:
    async with workspace.database.transaction() as session:
        row = await session.get(OncallCalendar, location)
        assert row is not None
        return row


async def test_an_imported_calendar_with_weekly_recurrences_and_exceptions_gives_the_calendar_s_own_answers(
    start_bot: StartBot, calendar: CalendarServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "exports" / "team.ics"
    path.parent.mkdir()
    path.write_text(calendar.body, encoding="utf-8")
    workspace = await start_bot(lambda people: config(calendar.url, path))
    scheduler = workspace.server.app[scheduler_key]
    now = datetime.now(UTC)
    assert await scheduler.refresh_schedules(now) == {}
    expected = Expected.of(calendar.body, workspace.people, now - timedelta(days=21), now + timedelta(days=50))

    # Every two hours (off the hour: a boundary is checked by the listing below) for five weeks.
    async with workspace.database.reading() as session:
        rota = await Catalog(workspace.server.app[config_key].schedules, MADRID).load(session)
    instants = [now - timedelta(days=7) + timedelta(hours=2 * k, minutes=17) for k in range(12 * 35)]
    for name in ("team", "onfile"):
        schedule = rota.get(name)
        assert [on_call(schedule, [], at).people for at in instants] == [expected.at(at) for at in instants]
    # The cancelled week is a gap, and in the moved one Carol is on call from Tuesday noon.
    assert texts.oncall.gap_line(expected.events[6][1], expected.events[7][0], MADRID) in expected.lines("team")
    assert any(names == (workspace.people.carol,) for *_, names in expected.events)

    who = await oncall(workspace, "who team")
    asked = datetime.now(UTC)
    assert who == expected.who("team", asked)
    assert await oncall(workspace, "who onfile") == expected.who("onfile", asked)
    listing = (await oncall(workspace, "schedule team 21")).splitlines()
    assert listing[0] == "*team* (Europe/Madrid), the next 21 days:"
    whole = listing[2:-1]  # the first and the last shift are cut at now and at 21 days from now
    assert len(whole) >= 6  # the cancelled week, the moved one, the weekends between
    assert "\n".join(whole) in "\n".join(expected.lines("team"))

    # The server fails: the last good copy stays, with the reason beside it, and the answers stay the same.
    calendar.status = 500
    with caplog.at_level(logging.WARNING, logger="oncall.schedules"):
        failures = await scheduler.refresh_schedules(now + timedelta(minutes=15))
    assert failures == {calendar.url: "answered HTTP 500 Internal Server Error"}
    assert any("schedules.calendar_failed" in record.getMessage() for record in caplog.records)
    assert calendar.served[-1] == 500
    row = await stored_calendar(workspace, calendar.url)
    assert (row.body, row.error) == (calendar.body, "answered HTTP 500 Internal Server Error")
    assert await oncall(workspace, "who team") == expected.who("team", datetime.now(UTC))
    assert (await oncall(workspace, "schedule team 21")).splitlines()[2:-1] == whole

    # Back up: the error is cleared. A file that stops being a calendar keeps its last copy too.
    calendar.status = 200
    path.write_text("<html>moved</html>", encoding="utf-8")
    failures = await scheduler.refresh_schedules(now + timedelta(minutes=30))
    assert list(failures) == [str(path)] and failures[str(path)].startswith("not an iCal calendar")
    assert (await stored_calendar(workspace, calendar.url)).error is None
    assert (await stored_calendar(workspace, str(path))).body == calendar.body
    assert await oncall(workspace, "who onfile") == expected.who("onfile", datetime.now(UTC))


async def test_the_leader_reads_the_calendars_as_soon_as_it_starts(
    start_bot: StartBot, calendar: CalendarServer, tmp_path: Path
) -> None:
    path = tmp_path / "team.ics"
    path.write_text(calendar.body, encoding="utf-8")
    workspace = await start_bot(lambda people: config(calendar.url, path))
    async with asyncio.timeout(10):  # the start-up job, not a test's call: nobody calls refresh_schedules here
        while True:
            async with workspace.database.reading() as session:
                rows = (await session.exec(select(OncallCalendar))).all()
            if {row.location for row in rows if row.body} == {calendar.url, str(path)}:
                break
            await asyncio.sleep(0.05)
    assert calendar.served == [200]
    assert (await oncall(workspace, "who team")).startswith("*team* — ")


def by_email(people: People) -> str:
    start = (datetime.now(UTC) - timedelta(hours=2)).astimezone(MADRID).strftime("%Y-%m-%dT%H:%M")
    return f"""
timezone: Europe/Madrid
schedules:
  - name: payments
    layers:
      - name: primary
        users: [bob@example.com, ghost@nowhere.example]
        start: {start}
        rotation: 1d
"""


async def lookups(workspace: Workspace) -> dict[str, Any]:
    async with workspace.database.reading() as session:
        return {row.email: row.user_id for row in (await session.exec(select(OncallEmail))).all()}


async def test_a_layer_s_e_mail_addresses_become_slack_users_once_looked_up(start_bot: StartBot) -> None:
    workspace = await start_bot(by_email)
    bob = workspace.people.bob
    scheduler = workspace.server.app[scheduler_key]
    now = datetime.now(UTC)
    await scheduler.refresh_schedules(now)

    assert await lookups(workspace) == {"bob@example.com": bob, "ghost@nowhere.example": None}
    who = await oncall(workspace, "who")
    # Bob by his user id (a mention); an address Slack has nobody for stays as written.
    assert who.startswith(f"*payments* — <@{bob}> on call until ")
    assert who.endswith(", then ghost@nowhere.example")

    asked = len(workspace.slack.calls_to("users.lookupByEmail"))
    assert asked == 2  # however many refreshes ran: each address is asked once a day
    await scheduler.refresh_schedules(now + timedelta(hours=1))
    assert len(workspace.slack.calls_to("users.lookupByEmail")) == asked

    # A day later every address is asked again: the newcomer is found.
    ghost = workspace.slack.add_user("ghost", email="ghost@nowhere.example")
    await scheduler.refresh_schedules(now + timedelta(days=1, minutes=1))
    assert len(workspace.slack.calls_to("users.lookupByEmail")) == asked + 2
    assert (await oncall(workspace, "who")).endswith(f", then <@{ghost}>")

    # Slack failing: nothing is stored as not found, and the addresses are asked about at the next poll.
    workspace.slack.fail("users.lookupByEmail", times=3)  # one call and slack_sdk's two retries
    await scheduler.refresh_schedules(now + timedelta(days=2, minutes=2))
    assert await lookups(workspace) == {"bob@example.com": bob, "ghost@nowhere.example": ghost}
    await scheduler.refresh_schedules(now + timedelta(days=2, minutes=17))
    assert len(workspace.slack.calls_to("users.lookupByEmail")) == asked + 2 + 3 + 2
