"""What a group commit's callers wait on: work that arrived together is stored in one transaction, and each
caller returns once its own part is committed (bot/timeline's Recorder, bot/alerts' Batcher)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")


@dataclass
class Waiting(Generic[Item]):
    item: Item
    stored: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def tell(self, error: BaseException | None) -> None:
        """Stored, or why not; a caller that went away (its wait cancelled) is told nothing."""
        if self.stored.done():
            return
        if error is None:
            self.stored.set_result(None)
        else:
            self.stored.set_exception(error)


class GroupCommit(Generic[Item]):
    """Stores the items waiting so far together, while the next ones gather for the next transaction.

    The writer is a task that lives while there is something to write, started by the item that finds
    none, so a caller that goes away never leaves the others' items unwritten. One item that cannot be
    stored must not fail the others: a batch that fails is written again one item at a time, so only
    that item's caller is refused.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._waiting: list[Waiting[Item]] = []
        self._writer: asyncio.Task[None] | None = None

    async def _store(self, item: Item) -> None:
        """Store the item; raises what storing it raised."""
        waiting = Waiting(item)
        self._waiting.append(waiting)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_waiting(), name=self._name)
        await waiting.stored

    def _next_batch(self) -> list[Waiting[Item]]:
        """The waiting items to write in the next transaction (taken out of `_waiting`); those left out that
        need no writing are told so."""
        raise NotImplementedError

    async def _write_items(self, items: list[Item]) -> None:
        """Store the items in one transaction."""
        raise NotImplementedError

    async def _write_waiting(self) -> None:
        try:
            while self._waiting:
                if batch := self._next_batch():
                    await self._write(batch)
                await asyncio.sleep(0)  # whoever waited for the write lock (a slash command) goes first
        finally:
            self._writer = None

    async def _write(self, batch: list[Waiting[Item]]) -> None:
        try:
            await self._write_items([waiting.item for waiting in batch])
        except Exception as exc:
            if len(batch) == 1:
                batch[0].tell(exc)
                return
            for waiting in batch:
                await self._write([waiting])
            return
        for waiting in batch:
            waiting.tell(None)
