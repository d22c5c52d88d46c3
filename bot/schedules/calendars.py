"""Calendar polling: the leader reads every `ical:` location and stores what it read, for every replica.

A URL is fetched with aiohttp (within FETCH_TIMEOUT, at most MAX_BYTES); a file path is read in a thread,
so a slow disk never holds up the event loop. What was read must parse as a calendar before it is stored:
an error page or a half-written file never replaces the last good copy. A failure stores its reason beside
that copy and logs one line (rate-limited per calendar); the layer goes on answering from the copy.
Reading happens outside any transaction; only the store is in one.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp

from bot.observability.ratelimited_log import RateLimitedLog
from bot.schedules.ical import parse_calendar
from bot.unit_of_work import Begin
from storage.queries import oncall as queries

log = logging.getLogger("oncall.schedules")

POLL_EVERY = timedelta(minutes=15)
FETCH_TIMEOUT = 30.0
MAX_BYTES = 5 * 1024 * 1024
# A calendar failing at every poll says so once an hour, with how many failures it held back.
LOG_EVERY_SECONDS = 3600.0
_ANY_ZONE = ZoneInfo("UTC")  # checking that a text is a calendar does not depend on the zone it is read in


class FetchFailed(Exception):
    """Why a calendar could not be read, in words that name no URL (a calendar's URL often holds its secret)."""


def is_url(location: str) -> bool:
    return location.lower().startswith(("http://", "https://"))


def shown(location: str) -> str:
    """A location as logs show it: a URL without its query, its credentials or the middle of its path,
    where private calendar links keep their secret (…/private-<secret>/basic.ics)."""
    if not is_url(location):
        return location
    parts = urlsplit(location)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    segments = [segment for segment in parts.path.split("/") if segment]
    path = "/" + segments[-1] if len(segments) == 1 else "/…/" + segments[-1] if segments else ""
    return f"{parts.scheme}://{host}{path}"


class CalendarFetcher:
    """Reads calendars; one connection pool for every URL, opened at the first fetch."""

    def __init__(self, *, timeout: float = FETCH_TIMEOUT, max_bytes: int = MAX_BYTES) -> None:
        self._timeout = timeout
        self._max = max_bytes
        self._session: aiohttp.ClientSession | None = None

    async def fetch(self, location: str) -> str:
        """The calendar's text, checked to be a calendar; FetchFailed saying why not otherwise."""
        if is_url(location):
            raw, charset = await self._get(location)
        else:
            raw, charset = await asyncio.to_thread(self._read, location), "utf-8"
        try:
            text = raw.decode("utf-8-sig" if charset.lower().replace("_", "-") in ("utf-8", "utf8") else charset)
        except LookupError:
            raise FetchFailed(f"declares an unknown charset {charset[:40]!r}") from None
        except UnicodeDecodeError as exc:
            raise FetchFailed(f"is not {charset} text (at byte {exc.start})") from None
        try:  # in a thread: parsing a big calendar takes long enough to delay everyone's answers
            await asyncio.to_thread(parse_calendar, text, _ANY_ZONE)
        except ValueError as exc:
            raise FetchFailed(str(exc)) from None
        return text

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _get(self, url: str) -> tuple[bytes, str]:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout), headers={"User-Agent": "oncall-bot"}
            )
        try:
            async with self._session.get(url, headers={"Accept": "text/calendar, */*;q=0.5"}) as response:
                if response.status != 200:
                    raise FetchFailed(f"answered HTTP {response.status} {response.reason or ''}".rstrip())
                if (response.content_length or 0) > self._max:
                    raise FetchFailed(self._too_large())
                body = bytearray()
                # Counted as it arrives (and after decompression): a calendar that never ends is cut off.
                async for chunk in response.content.iter_chunked(64 * 1024):
                    body += chunk
                    if len(body) > self._max:
                        raise FetchFailed(self._too_large())
                return bytes(body), response.charset or "utf-8"
        except TimeoutError:
            raise FetchFailed(f"did not answer within {self._timeout:g} s") from None
        except aiohttp.ClientConnectorError as exc:
            raise FetchFailed(f"is unreachable ({_reason(exc.os_error)})") from None
        except aiohttp.ClientError as exc:
            raise FetchFailed(f"broke off its answer ({type(exc).__name__})") from None

    def _read(self, location: str) -> bytes:
        path = Path(location).expanduser()
        try:
            with path.open("rb") as file:
                data = file.read(self._max + 1)
        except FileNotFoundError:
            raise FetchFailed(f"no such file (a relative path is read from {Path.cwd()})") from None
        except IsADirectoryError:
            raise FetchFailed("is a directory, not a calendar file") from None
        except OSError as exc:
            raise FetchFailed(f"cannot be read ({_reason(exc)})") from None
        if len(data) > self._max:
            raise FetchFailed(self._too_large())
        return data

    def _too_large(self) -> str:
        size = f"{self._max // (1024 * 1024)} MB" if self._max % (1024 * 1024) == 0 else f"{self._max} bytes"
        return f"is larger than {size}: split it, or export fewer months"


class CalendarPoller:
    """The leader's poll: every calendar read, then each stored (a failure keeps the last good copy)."""

    def __init__(self, locations: Sequence[str], begin: Begin, fetcher: CalendarFetcher | None = None) -> None:
        self._locations = list(locations)  # Catalog.locations(): definitions do not change while the bot runs
        self._begin = begin
        self.fetcher = fetcher or CalendarFetcher()
        self._logs: dict[str, RateLimitedLog] = {}
        self._failing: set[str] = set()

    async def poll(self, now: datetime) -> dict[str, str]:
        """Read and store every calendar; returns the failures' reasons by location."""
        failures: dict[str, str] = {}
        for location in self._locations:
            try:
                body, error = await self.fetcher.fetch(location), None
            except FetchFailed as exc:
                body, error = None, str(exc)
                failures[location] = error
            async with self._begin() as (session, _):
                await queries.store_calendar(session, location, body=body, error=error, at=now)
            self._report(location, error)
        return failures

    def _report(self, location: str, error: str | None) -> None:
        if error is None:
            if location in self._failing:
                log.info("schedules.calendar_fetched calendar=%s (it failed before)", shown(location))
                self._failing.discard(location)
            return
        self._failing.add(location)
        if location not in self._logs:
            self._logs[location] = RateLimitedLog(log, every_seconds=LOG_EVERY_SECONDS)
        self._logs[location].warning(
            "schedules.calendar_failed calendar=%s error=%s; the last good copy stays in use", shown(location), error
        )


def _reason(error: OSError) -> str:
    # asyncio words a refusal "Connect call failed ('127.0.0.1', 80)", naming the address; errno does not.
    return os.strerror(error.errno).lower() if error.errno else str(error.strerror or error).lower()
