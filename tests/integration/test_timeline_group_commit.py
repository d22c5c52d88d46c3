"""A busy incident channel's messages are stored together (a group commit), each exactly once, each
caller answered once its own message is committed, and one bad message refuses only itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlmodel import select

from bot.outbox import Outbox
from bot.timeline.activity import MessagePosted
from bot.timeline.service import Recorder
from bot.unit_of_work import Begin, unit_of_work
from storage.engine import Database
from storage.tables import TimelineEntry
from tests.integration.test_timeline_service import CHANNEL, _incident_with_channel


def counting(begin: Begin) -> tuple[Begin, list[int]]:
    opened: list[int] = []

    @asynccontextmanager
    async def counted() -> AsyncIterator[tuple[object, Outbox]]:
        opened.append(1)
        async with begin() as pair:
            yield pair

    return counted, opened  # type: ignore[return-value]


def message(n: int, text: str | None = None) -> MessagePosted:
    return MessagePosted(CHANNEL, f"1700000000.{n:06d}", "U1", text if text is not None else f"message {n}")


async def stored_texts(database: Database) -> list[str]:
    async with database.transaction() as session:
        entries = (await session.exec(select(TimelineEntry).where(TimelineEntry.kind == "message"))).all()
    return sorted(entry.text for entry in entries)


async def test_a_burst_of_messages_is_stored_once_each_in_far_fewer_transactions(database: Database) -> None:
    await _incident_with_channel(database)
    begin, transactions = counting(unit_of_work(database))
    recorder = Recorder(begin)

    await asyncio.gather(*(recorder.record(message(n), f"Ev{n}") for n in range(60)))
    # Slack retries some of them: nothing changes
    await asyncio.gather(*(recorder.record(message(n), f"Ev{n}") for n in range(0, 60, 7)))

    assert await stored_texts(database) == sorted(f"message {n}" for n in range(60))
    assert len(transactions) <= 4  # not one per event: 69 events arrived together


async def test_a_caller_that_goes_away_does_not_lose_its_message(database: Database) -> None:
    await _incident_with_channel(database)
    recorder = Recorder(unit_of_work(database))

    waiting = asyncio.create_task(recorder.record(message(1), "Ev1"))
    await asyncio.sleep(0)
    waiting.cancel()
    await recorder.record(message(2), "Ev2")  # the writer keeps going for the rest

    assert await stored_texts(database) == ["message 1", "message 2"]


@pytest.mark.postgresql_only
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_one_message_postgresql_refuses_fails_alone(database: Database) -> None:
    await _incident_with_channel(database)
    recorder = Recorder(unit_of_work(database))

    results = await asyncio.gather(
        *(recorder.record(message(n, "NUL \x00 byte" if n == 3 else None), f"Ev{n}") for n in range(6)),
        return_exceptions=True,
    )

    failed = [n for n, result in enumerate(results) if isinstance(result, Exception)]
    assert failed == [3]
    assert await stored_texts(database) == sorted(f"message {n}" for n in range(6) if n != 3)
