"""Transactions as requests use them: a read does not wait for a writer, and a cancelled request leaves nothing."""

from __future__ import annotations

import asyncio
import contextlib

from sqlmodel import select

from storage.engine import Database
from storage.enums import Severity, Status
from storage.tables import Incident


def _incident(title: str) -> Incident:
    return Incident(title=title, severity=Severity.SEV2, status=Status.INVESTIGATING, declared_by="U1")


async def _titles(database: Database) -> list[str]:
    async with database.reading() as session:
        return [incident.title for incident in (await session.exec(select(Incident))).all()]


async def test_a_read_sees_committed_rows_while_a_write_is_in_progress(database: Database) -> None:
    async with database.transaction() as session:
        session.add(_incident("Committed before"))
    writing, release = asyncio.Event(), asyncio.Event()

    async def slow_write() -> None:
        async with database.transaction() as session:
            session.add(_incident("Not committed yet"))
            await session.flush()
            writing.set()
            await release.wait()

    writer = asyncio.create_task(slow_write())
    try:
        await asyncio.wait_for(writing.wait(), timeout=10)
        # /incident list while an alert delivery is mid-transaction: answered now, from the last commit.
        assert await asyncio.wait_for(_titles(database), timeout=5) == ["Committed before"]
    finally:
        release.set()
        await writer
    assert sorted(await _titles(database)) == ["Committed before", "Not committed yet"]


async def test_a_request_cancelled_mid_transaction_leaves_no_row_and_no_lock(database: Database) -> None:
    started = asyncio.Event()

    async def abandoned_write() -> None:
        async with database.transaction() as session:
            session.add(_incident("Abandoned"))
            await session.flush()
            started.set()
            await asyncio.sleep(3600)  # the client hung up; aiohttp cancels the handler

    task = asyncio.create_task(abandoned_write())
    await asyncio.wait_for(started.wait(), timeout=10)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    # Every pooled connection is reused in turn: none may still hold the abandoned transaction.
    for number in range(20):
        async with asyncio.timeout(5), database.transaction() as session:
            session.add(_incident(f"Next {number}"))
    titles = await _titles(database)
    assert "Abandoned" not in titles and len(titles) == 20
