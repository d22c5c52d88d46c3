"""People named by e-mail address, as Slack users: the leader asks users.lookupByEmail and stores the answer.

The addresses are those the layers list and those the stored calendars' events name. Each is looked up
once, then again once a day (a person may join the workspace, or leave it); an address nobody has is
stored as not found and stays the person, shown as written. The Slack calls happen outside any
transaction; only the answers are stored in one. Catalog.load renames the addresses found.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import SlackError, SlackRetryable
from bot.observability.ratelimited_log import RateLimitedLog
from bot.schedules.catalog import Catalog
from bot.schedules.ical import parse_calendar
from bot.unit_of_work import Begin
from storage.queries import oncall as queries

log = logging.getLogger("oncall.schedules")

LOOKUP_EVERY = timedelta(days=1)
_NEVER = datetime.min.replace(tzinfo=UTC)  # sorts first: addresses never looked up go before the stale ones
_ANY_ZONE = ZoneInfo("UTC")  # which addresses a calendar names does not depend on its zone

UserByEmail = Callable[[str], Awaitable[str | None]]
"""users.lookupByEmail: the user id, or None when the workspace has nobody with the address."""


class EmailLookup:
    def __init__(self, catalog: Catalog, begin: Begin, user_by_email: UserByEmail) -> None:
        self._catalog = catalog
        self._begin = begin
        self._user_by_email = user_by_email
        self._log = RateLimitedLog(log, every_seconds=3600.0)

    async def refresh(self, now: datetime) -> int:
        """Look up every address not looked up in the last LOOKUP_EVERY; returns how many were."""
        async with self._begin.reading() as session:
            bodies = [row.body for row in (await queries.calendars(session)).values() if row.body is not None]
            looked_up = await queries.email_lookups(session)
        wanted = [*self._catalog.emails(), *await self._calendar_addresses(bodies)]
        last = {email: looked_up.get(email, _NEVER) for email in dict.fromkeys(wanted)}
        due = sorted((email for email, at in last.items() if now - at >= LOOKUP_EVERY), key=last.__getitem__)
        found: dict[str, str | None] = {}
        for email in due:
            try:
                found[email] = await self._user_by_email(email)
            except SlackError as exc:
                # Rate-limited, or refused (a missing users:read.email scope): the rest wait for the next poll.
                self._log.warning(
                    "schedules.email_lookup_failed error=%s; %d address(es) wait for the next poll%s",
                    exc,
                    len(due) - len(found),
                    "" if isinstance(exc, SlackRetryable) else " (check the app's users:read.email scope)",
                )
                break
        if found:
            async with self._begin() as (session, _):
                for email, user in found.items():
                    await queries.store_email(session, email, user, at=now)
        return len(found)

    async def _calendar_addresses(self, bodies: list[str]) -> list[str]:
        addresses: list[str] = []
        for body in bodies:
            try:  # in a thread, like the poller's check: a big calendar takes a while to parse
                source = await asyncio.to_thread(parse_calendar, body, _ANY_ZONE)
            except ValueError:  # the poller stores calendars only; a hand-edited row is the catalog's to report
                continue
            addresses += source.addresses()
        return addresses
