"""One transaction with its outbox: a change and the Slack calls it implies commit together."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbox import Outbox
from storage.engine import Database


class Begin(Protocol):
    """`begin()` for a change and its outbox; `begin.reading()` for a look that changes nothing."""

    def __call__(self) -> AbstractAsyncContextManager[tuple[AsyncSession, Outbox]]: ...

    def reading(self) -> AbstractAsyncContextManager[AsyncSession]: ...


class _UnitOfWork:
    def __init__(self, database: Database, on_commit: Callable[[], None]) -> None:
        self._database = database
        self._on_commit = on_commit

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[tuple[AsyncSession, Outbox]]:
        async with self._database.transaction() as session:
            outbox = Outbox(session)
            yield session, outbox
            await outbox.flush()
        if outbox.written:
            self._on_commit()

    def reading(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self._database.reading()


def unit_of_work(database: Database, *, on_commit: Callable[[], None] = lambda: None) -> Begin:
    """A factory of transactions; `on_commit` runs after a commit that wrote outbox entries."""
    return _UnitOfWork(database, on_commit)
