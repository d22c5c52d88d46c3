"""Who performs each Effect: every domain brings its performers, assembled once when the app is built."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbox.outbox import Effect
from storage.tables import OutboxEntry

# What Slack answered that must be kept (a channel id, a message ts), by the name of the field it goes in.
Updates = dict[str, Any]
Perform = Callable[[OutboxEntry], Awaitable[Updates]]
# Stores the updates in the transaction that marks the entry done: a crash in between can lose neither.
Remember = Callable[[AsyncSession, OutboxEntry, Updates], Awaitable[None]]


async def nothing_to_remember(session: AsyncSession, entry: OutboxEntry, updates: Updates) -> None:
    """For performers that never return updates; the worker only remembers when there are some."""


@dataclass(frozen=True)
class Performer:
    """Performs one kind of entry on Slack (reading what it shows as it is now) and keeps what Slack answered."""

    perform: Perform
    remember: Remember


class MissingPerformer(RuntimeError):
    """An Effect nobody performs: its entries would wait forever, so the app refuses to be built."""


class Registry:
    """Every Effect's performer, each given exactly once."""

    def __init__(self, *groups: Mapping[Effect, Performer]) -> None:
        self._performers: dict[str, Performer] = {}
        for group in groups:
            for effect, performer in group.items():
                if effect.value in self._performers:
                    raise ValueError(f"two performers for the outbox effect {effect.value}")
                self._performers[effect.value] = performer
        missing = [effect.value for effect in Effect if effect.value not in self._performers]
        if missing:
            raise MissingPerformer(f"no performer for the outbox effects {', '.join(missing)}")

    def _of(self, entry: OutboxEntry) -> Performer:
        try:
            return self._performers[entry.kind]
        except KeyError:  # written by another version of the bot: retried, then parked for an operator
            raise LookupError(f"no performer for the outbox effect {entry.kind!r}") from None

    async def perform(self, entry: OutboxEntry) -> Updates:
        return await self._of(entry).perform(entry)

    async def remember(self, session: AsyncSession, entry: OutboxEntry, updates: Updates) -> None:
        await self._of(entry).remember(session, entry, updates)
