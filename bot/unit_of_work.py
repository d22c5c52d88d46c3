"""One transaction with its outbox: a change and the Slack calls it implies commit together."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbox import Outbox
from storage.engine import Database

Begin = Callable[[], AbstractAsyncContextManager[tuple[AsyncSession, Outbox]]]


def unit_of_work(database: Database, *, on_commit: Callable[[], None] = lambda: None) -> Begin:
    """A factory of transactions; `on_commit` runs after a commit that wrote outbox entries."""

    @asynccontextmanager
    async def begin() -> AsyncIterator[tuple[AsyncSession, Outbox]]:
        async with database.transaction() as session:
            outbox = Outbox(session)
            yield session, outbox
            await outbox.flush()
        if outbox.written:
            on_commit()

    return begin
