"""Who may know that an incident exists: the one rule every lookup by number and every listing goes through.

A private incident exists, for a person, only while they are a member of its channel, or are an on-call
admin. Everyone else is told what they would be told about a number nobody ever declared, and sees it
in no list: numbers are sequential, so any other answer ("not allowed", "private incident") would let
anyone enumerate them. Membership is Slack's own (`conversations.members`), not the bot's role list:
whoever a member adds to the channel in Slack may see the incident, and whoever leaves it may not.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from bot.errors import SlackError

log = logging.getLogger("oncall.visibility")

# Long enough that a burst of commands costs one Slack call, short enough that someone removed from the
# channel by a Slack admin (no event reaches the bot then) loses sight of the incident within a minute.
MEMBERSHIP_CACHE_SECONDS = 60.0
# A lookup runs while a command waits for its answer (Slack allows 3 s): an unanswered one counts as "not a member".
MEMBERSHIP_TIMEOUT_SECONDS = 1.5
# After a failed lookup, ask Slack again only after this long, so probing during an outage stays cheap.
FAILED_LOOKUP_SECONDS = 5.0


class Shown(Protocol):
    """What the rule needs of an incident: a stored row and a snapshot both have it."""

    @property
    def is_private(self) -> bool: ...

    @property
    def channel_id(self) -> str | None: ...

    @property
    def declared_by(self) -> str: ...


class Membership:
    """Who is in which channel, as Slack says, remembered briefly.

    Reading membership is a read, not a side effect, so it calls the Slack gateway directly instead of
    going through the outbox: nothing is changed that would have to be stored, ordered or retried.
    """

    def __init__(
        self,
        members: Callable[[str], Awaitable[list[str]]] | None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._members = members
        self._clock = clock
        self._known: dict[str, tuple[float, frozenset[str]]] = {}

    async def of(self, channel: str) -> frozenset[str]:
        """The channel's members; nobody when Slack cannot say (the rule then fails closed)."""
        now = self._clock()
        known = self._known.get(channel)
        if known is not None and now < known[0]:
            return known[1]
        if self._members is None:
            return frozenset()
        try:
            async with asyncio.timeout(MEMBERSHIP_TIMEOUT_SECONDS):
                members = frozenset(await self._members(channel))
        except (SlackError, TimeoutError) as exc:
            log.warning("visibility.membership_unavailable channel=%s error=%s", channel, exc)
            self._known[channel] = (now + FAILED_LOOKUP_SECONDS, frozenset())
            return frozenset()
        self._known[channel] = (now + MEMBERSHIP_CACHE_SECONDS, members)
        return members

    def forget(self, channel: str) -> None:
        """Someone joined or left the channel (Slack said so in an event): ask Slack again next time."""
        self._known.pop(channel, None)


@dataclass(frozen=True)
class Viewer:
    """The person an answer is for. Without a user (a web page has no identity yet) only public incidents exist."""

    user: str = ""
    is_admin: bool = False
    membership: Membership | None = None
    # The bot's own work (alert routing, reminders) and the operator's command line see every incident.
    sees_everything: bool = False


ANONYMOUS = Viewer()
THE_BOT = Viewer(sees_everything=True)


def is_public(incident: Shown) -> bool:
    """What someone whose identity is unknown may see."""
    return not incident.is_private


async def visible(incident: Shown, viewer: Viewer) -> bool:
    """Whether the incident exists for this person: the only place that decides it."""
    if is_public(incident) or viewer.sees_everything or viewer.is_admin:
        return True
    if not viewer.user:
        return False
    if incident.channel_id is None:
        # Its channel is still being created: its only member-to-be is the declarer, whom the bot invites.
        return viewer.user == incident.declared_by
    if viewer.membership is None:
        return False
    return viewer.user in await viewer.membership.of(incident.channel_id)


T = TypeVar("T", bound=Shown)


async def visible_only(incidents: Iterable[T], viewer: Viewer) -> list[T]:
    """The incidents of a list that exist for this person, in the same order."""
    return [incident for incident in incidents if await visible(incident, viewer)]
