"""Reading an `ical:` calendar: what a URL or a file gives, and one clear reason when it gives no calendar."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import ValidationError

from bot.schedules.calendars import CalendarFetcher, FetchFailed, shown
from bot.schedules.config import ScheduleConfig

CALENDAR = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:1@test
DTSTART:20261207T090000Z
DTEND:20261214T090000Z
SUMMARY:alice@example.com
END:VEVENT
END:VCALENDAR
"""

Serve = Callable[[web.Response | Callable[[], Awaitable[web.StreamResponse]]], Awaitable[str]]


@pytest.fixture
def serve(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> Serve:
    """A URL answering every GET with `answer` (a response, or a handler for one that takes its time)."""

    async def start(answer: Any) -> str:
        async def handler(request: web.Request) -> web.StreamResponse:
            return answer if isinstance(answer, web.StreamResponse) else await answer()

        app = web.Application()
        app.router.add_get("/team.ics", handler)
        server = await aiohttp_server(app)
        return str(server.make_url("/team.ics"))

    return start


async def failure(location: str, **limits: Any) -> str:
    fetcher = CalendarFetcher(**limits)
    try:
        with pytest.raises(FetchFailed) as raised:
            await fetcher.fetch(location)
    finally:
        await fetcher.close()
    return str(raised.value)


async def test_a_calendar_served_over_http_is_read_as_text(serve: Serve) -> None:
    url = await serve(web.Response(text=CALENDAR, content_type="text/calendar"))
    fetcher = CalendarFetcher()
    try:
        assert await fetcher.fetch(url) == CALENDAR
    finally:
        await fetcher.close()


async def test_an_error_status_is_named(serve: Serve) -> None:
    url = await serve(web.Response(status=500, text="oops"))
    assert await failure(url) == "answered HTTP 500 Internal Server Error"
    assert await failure(url.replace("team.ics", "other.ics")) == "answered HTTP 404 Not Found"


async def test_a_page_that_is_not_a_calendar_is_refused(serve: Serve) -> None:
    url = await serve(web.Response(text="<html><body>Sign in to see this calendar</body></html>"))
    assert (await failure(url)).startswith("not an iCal calendar")


async def test_a_calendar_larger_than_the_limit_is_refused_whether_it_says_its_length_or_not(serve: Serve) -> None:
    url = await serve(web.Response(text=CALENDAR + " " * 2000))
    assert await failure(url, max_bytes=1000) == "is larger than 1000 bytes: split it, or export fewer months"

    async def streamed() -> web.StreamResponse:  # chunked: no Content-Length to refuse it by
        response = web.Response(text=CALENDAR + " " * 200_000)
        response.enable_chunked_encoding()
        return response

    url = await serve(streamed)
    assert await failure(url, max_bytes=100_000) == "is larger than 100000 bytes: split it, or export fewer months"


async def test_a_server_that_does_not_answer_in_time_times_out(serve: Serve) -> None:
    async def slow() -> web.StreamResponse:
        await asyncio.sleep(5)
        return web.Response(text=CALENDAR)

    url = await serve(slow)
    assert await failure(url, timeout=0.2) == "did not answer within 0.2 s"


async def test_nothing_listening_is_unreachable(unused_tcp_port: int) -> None:
    assert await failure(f"http://127.0.0.1:{unused_tcp_port}/team.ics") == "is unreachable (connection refused)"


async def test_a_file_is_read_and_checked_like_a_download(tmp_path: Path) -> None:
    path = tmp_path / "team.ics"
    path.write_text(CALENDAR, encoding="utf-8")
    fetcher = CalendarFetcher()
    assert await fetcher.fetch(str(path)) == CALENDAR
    assert (await failure(str(tmp_path / "missing.ics"))).startswith("no such file (a relative path is read from ")
    assert await failure(str(tmp_path)) == "is a directory, not a calendar file"
    path.write_bytes(b"BEGIN:VCALENDAR\r\nSUMMARY:\xff\xfe\r\nEND:VCALENDAR\r\n")
    assert await failure(str(path)) == "is not utf-8 text (at byte 25)"
    path.write_text("just some notes", encoding="utf-8")
    assert (await failure(str(path))).startswith("not an iCal calendar")
    path.write_text(CALENDAR, encoding="utf-8")
    assert await failure(str(path), max_bytes=100) == "is larger than 100 bytes: split it, or export fewer months"


def test_logs_show_a_calendar_url_without_the_secret_it_may_hold() -> None:
    private = "https://user:pw@calendar.google.com/calendar/ical/team%40example.com/private-abc123/basic.ics?x=1"
    assert shown(private) == "https://calendar.google.com/…/basic.ics"
    assert shown("http://127.0.0.1:8080/team.ics") == "http://127.0.0.1:8080/team.ics"
    assert shown("/etc/oncall/team.ics") == "/etc/oncall/team.ics"


@pytest.mark.parametrize(
    ("location", "line"),
    [
        ("ftp://example.com/team.ics", "'ftp://example.com/team.ics' is not a calendar location: an http(s) URL"),
        ("webcal://example.com/team.ics", "'webcal://example.com/team.ics': write https:// instead of webcal://"),
        ("https:///team.ics", "'https:///team.ics' names no host"),
        ("file:///etc/team.ics", "'file:///etc/team.ics' is not a calendar location: an http(s) URL, or a file path"),
        ("  ", "is empty: write a calendar's URL"),
    ],
)
def test_a_calendar_location_that_cannot_be_fetched_is_refused_in_the_config(location: str, line: str) -> None:
    with pytest.raises(ValidationError) as raised:
        ScheduleConfig.model_validate({"name": "db", "ical": location})
    assert line in str(raised.value)
    layer = {"name": "db", "layers": [{"name": "team", "ical": location}]}
    with pytest.raises(ValidationError):
        ScheduleConfig.model_validate(layer)


def test_http_urls_and_file_paths_are_calendar_locations() -> None:
    for location in ("https://example.com/team.ics", "HTTP://example.com:8080/x", "team.ics", "/srv/team.ics"):
        assert ScheduleConfig.model_validate({"name": "db", "ical": location}).ical_locations() == [location]
