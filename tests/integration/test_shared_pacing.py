"""Replicas on one PostgreSQL spend one budget per channel: what one spent, the other cannot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.outbox.pacing import CHAT_UPDATE, Rate
from bot.outbox.shared_pacing import SharedPacer
from storage.engine import Database

SLOW = Rate(per_second=0.001, burst=3)  # refills nothing within the test


@pytest.fixture
async def replicas(database_url: str) -> AsyncIterator[list[SharedPacer]]:
    # Two engines, two pools: as two processes would hold them.
    databases = [Database(database_url), Database(database_url)]
    yield [SharedPacer(database, channel_rate=SLOW, method_rates={CHAT_UPDATE: SLOW}) for database in databases]
    for database in databases:
        await database.dispose()


async def _reserve(pacer: SharedPacer, budgets: list[str]) -> float:
    await pacer.prepare(set(budgets))
    async with pacer.database.transaction() as session, pacer.ledger(session, set(budgets)) as ledger:
        return ledger.reserve(budgets)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_replicas_asking_at_once_get_one_channels_burst_between_them(replicas: list[SharedPacer]) -> None:
    waits = await asyncio.gather(*(_reserve(replicas[n % 2], ["channel:ops"]) for n in range(10)))
    assert sum(wait == 0 for wait in waits) == SLOW.burst
    assert await _reserve(replicas[0], ["channel:other"]) == 0  # another channel has its own budget


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_429_one_replica_got_holds_the_other_back(replicas: list[SharedPacer]) -> None:
    await replicas[0].hold(CHAT_UPDATE, 30)
    wait = await _reserve(replicas[1], ["channel:ops", CHAT_UPDATE])
    assert 25 < wait <= 30
    assert await _reserve(replicas[1], ["channel:ops"]) == 0  # nothing was spent by the refused reserve
