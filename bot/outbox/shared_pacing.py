"""Slack's budgets shared by every replica on one PostgreSQL: token buckets as rows.

Each claim of due entries locks the rows of the budgets it spends (in one order, so replicas never
deadlock), refills and spends them on the database's clock, and stores them back in the transaction that
leases the entries: N replicas together post into a channel no faster than one would.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbox.pacing import CHANNEL_RATE, CHAT_UPDATE, CHAT_UPDATE_RATE, Pacer, Rate
from storage.engine import Database
from storage.queries import pacing as queries

# A budget idle this long is full again (a channel's in 5 s, chat.update's in under a minute): its row can go.
IDLE_SECONDS = 300.0
FORGET_EVERY_SECONDS = 60.0


@dataclass
class SharedPacer:
    database: Database
    channel_rate: Rate = CHANNEL_RATE
    method_rates: dict[str, Rate] = field(default_factory=lambda: {CHAT_UPDATE: CHAT_UPDATE_RATE})
    _next_forget: float = 0.0

    def _pacer(self, now: float) -> Pacer:
        return Pacer(channel_rate=self.channel_rate, method_rates=self.method_rates, clock=lambda: now)

    async def prepare(self, budgets: Collection[str]) -> None:
        if not budgets and time.monotonic() < self._next_forget:
            return
        pacer = self._pacer(0.0)
        async with self.database.transaction() as session:
            now = await queries.server_now(session)
            if time.monotonic() >= self._next_forget:
                self._next_forget = time.monotonic() + FORGET_EVERY_SECONDS
                await queries.forget_idle(session, before=now - IDLE_SECONDS)
            await queries.ensure(session, {budget: pacer.rate_of(budget).burst for budget in budgets}, now)

    @contextlib.asynccontextmanager
    async def ledger(self, session: AsyncSession, budgets: Collection[str]) -> AsyncIterator[Pacer]:
        now = await queries.server_now(session)
        pacer = self._pacer(now)
        for budget, (tokens, at, blocked_until) in (await queries.lock(session, budgets)).items():
            pacer.load(budget, tokens=tokens, at=at, blocked_until=blocked_until)
        yield pacer
        await queries.store(session, pacer.state())

    async def hold(self, budget: str, seconds: float) -> None:
        async with self.database.transaction() as session:
            await queries.hold_off(session, budget, seconds=seconds)
