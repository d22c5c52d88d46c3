"""Pacing: the outbox spends Slack's rate limits itself instead of finding them with 429s.

Slack lets an app post about one message per second per channel, with short bursts, and caps
`chat.update` at its tier (about 50 a minute per workspace). Unpaced, an alert storm sends every
lane's call at once: most are refused, each retries on its own, and the channel's pace is set by the
number of lanes. Paced, an entry whose budget is spent waits in the database (its `not_before`
moves) without counting an attempt, and a sync entry that waits absorbs the changes made meanwhile.

On SQLite one process uses the database and keeps the budgets in memory (`Pacer`); on PostgreSQL
replicas share them as rows (`bot/outbox/shared_pacing.py`), so N replicas together keep one channel's pace.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import monotonic
from bot.outbox.outbox import Effect
from storage.tables import OutboxEntry

# Effects whose call writes a message into a channel (posts, redraws, file shares with a comment).
_WRITES_A_MESSAGE = frozenset(
    {
        Effect.POST,
        Effect.POST_SUMMARY,
        Effect.UPDATE_SUMMARY,
        Effect.ANNOUNCE,
        Effect.UPDATE_ANNOUNCEMENT,
        Effect.SYNC_ALERTS,
        Effect.SYNC_ALERT_GROUP,
        Effect.SYNC_ALERT_ROLLUP,
        Effect.SYNC_MAINTENANCE,
        Effect.MESSAGE,
        Effect.UPLOAD_POSTMORTEM,
        Effect.POST_SLO_DIGEST,
        Effect.POST_REPORT,
    }
)
# Effects that mostly redraw a message with chat.update, which is tier 3 for the whole workspace.
_UPDATES_A_MESSAGE = frozenset(
    {
        Effect.UPDATE_SUMMARY,
        Effect.UPDATE_ANNOUNCEMENT,
        Effect.SYNC_ALERTS,
        Effect.SYNC_ALERT_GROUP,
        Effect.SYNC_ALERT_ROLLUP,
        Effect.SYNC_MAINTENANCE,
    }
)
_ANNOUNCEMENTS = frozenset({Effect.ANNOUNCE, Effect.UPDATE_ANNOUNCEMENT})
CHAT_UPDATE = "chat.update"


def budgets_of(entry: OutboxEntry) -> tuple[str, ...]:
    """The budgets one attempt at `entry` spends: its channel's, and chat.update's if it redraws."""
    budgets: list[str] = []
    channel = _channel_of(entry)
    if channel is not None and entry.kind in _WRITES_A_MESSAGE:
        budgets.append(channel)
    if entry.kind in _UPDATES_A_MESSAGE:
        budgets.append(CHAT_UPDATE)
    return tuple(budgets)


def _channel_of(entry: OutboxEntry) -> str | None:
    # Names and ids of one channel are two keys; each effect always names its channel the same way.
    if entry.kind in _ANNOUNCEMENTS:
        return "announcements"  # one channel in most workspaces, so one budget for all incidents
    if entry.incident_id is not None:
        return f"incident:{entry.incident_id}"
    named = entry.payload.get("channel") or entry.payload.get("to")
    return f"channel:{str(named).lstrip('#')}" if named else None


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: float


# A little under Slack's own figures, so that what a person's client does fits too. A channel's burst is
# small: Slack tolerates short bursts, and a burst of 5 keeps any 10 s of a channel under 2 calls a second.
CHANNEL_RATE = Rate(per_second=1.0, burst=5)
CHAT_UPDATE_RATE = Rate(per_second=45 / 60, burst=40)


class Ledger(Protocol):
    def reserve(self, budgets: Sequence[str]) -> float: ...


class Budgets(Protocol):
    """Where the worker spends Slack's budgets: its own memory, or rows every replica shares."""

    async def prepare(self, budgets: Collection[str]) -> None:
        """Before a claim's transaction: make what `ledger` will lock exist, outside of it."""

    def ledger(self, session: AsyncSession, budgets: Collection[str]) -> contextlib.AbstractAsyncContextManager[Ledger]:
        """The budgets to reserve from inside the worker's claim transaction (locked there, if shared)."""

    async def hold(self, budget: str, seconds: float) -> None:
        """Slack answered 429 for this budget: nobody spends it until `seconds` from now."""


@dataclass
class _Bucket:
    rate: Rate
    tokens: float
    at: float
    blocked_until: float = 0.0


@dataclass
class Pacer:
    """Token buckets, one per budget: a channel's messages, or a method's tier."""

    channel_rate: Rate = CHANNEL_RATE
    method_rates: dict[str, Rate] = field(default_factory=lambda: {CHAT_UPDATE: CHAT_UPDATE_RATE})
    clock: Callable[[], float] = monotonic  # the demo's simulated minutes refill budgets too
    max_buckets: int = 10_000
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def reserve(self, budgets: Sequence[str]) -> float:
        """Spend one call from each budget and answer 0, or spend nothing and answer how long to wait."""
        now = self.clock()
        buckets = [self._bucket(budget, now) for budget in budgets]
        wait = max((self._wait(bucket, now) for bucket in buckets), default=0.0)
        if wait > 0:
            return wait
        for bucket in buckets:
            bucket.tokens -= 1
        return 0.0

    async def prepare(self, budgets: Collection[str]) -> None:
        return None

    @contextlib.asynccontextmanager
    async def ledger(self, session: AsyncSession, budgets: Collection[str]) -> AsyncIterator[Pacer]:
        yield self  # in memory: the process is the only one spending them

    async def hold(self, budget: str, seconds: float) -> None:
        self.hold_off(budget, seconds)

    def rate_of(self, budget: str) -> Rate:
        return self.method_rates.get(budget, self.channel_rate)

    def load(self, budget: str, *, tokens: float, at: float, blocked_until: float) -> None:
        """A bucket as another replica left it (bot/outbox/shared_pacing.py)."""
        self._buckets[budget] = _Bucket(self.rate_of(budget), tokens=tokens, at=at, blocked_until=blocked_until)

    def state(self) -> dict[str, tuple[float, float, float]]:
        """Each bucket as (tokens, at, blocked_until), to store back."""
        return {name: (b.tokens, b.at, b.blocked_until) for name, b in self._buckets.items()}

    def hold_off(self, budget: str, seconds: float) -> None:
        """Slack answered 429 with Retry-After: nothing more from this budget until then."""
        now = self.clock()
        bucket = self._bucket(budget, now)
        bucket.blocked_until = max(bucket.blocked_until, now + seconds)
        bucket.tokens = min(bucket.tokens, 0.0)

    def _bucket(self, budget: str, now: float) -> _Bucket:
        bucket = self._buckets.get(budget)
        if bucket is None:
            if len(self._buckets) >= self.max_buckets:
                self._forget_idle(now)
            rate = self.rate_of(budget)
            bucket = self._buckets[budget] = _Bucket(rate, tokens=rate.burst, at=now)
            return bucket
        bucket.tokens = min(bucket.rate.burst, bucket.tokens + (now - bucket.at) * bucket.rate.per_second)
        bucket.at = now
        return bucket

    @staticmethod
    def _wait(bucket: _Bucket, now: float) -> float:
        if bucket.blocked_until > now:
            return bucket.blocked_until - now
        return 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / bucket.rate.per_second

    def _forget_idle(self, now: float) -> None:
        """A full bucket is the same as no bucket: dropping them keeps memory bounded."""
        for budget, bucket in list(self._buckets.items()):
            refilled = bucket.tokens + (now - bucket.at) * bucket.rate.per_second
            if refilled >= bucket.rate.burst and bucket.blocked_until <= now:
                del self._buckets[budget]
