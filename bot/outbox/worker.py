"""The outbox worker: performs stored side effects in order per lane, retrying until done."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import random
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

from bot.errors import RemoteRejected, RemoteRetryable, SlackRetryable
from bot.observability import log_context
from bot.outbox.pacing import CHAT_UPDATE, Budgets, Pacer, budgets_of
from bot.outbox.registry import Registry, Updates
from storage.engine import Database, is_unreachable
from storage.notify import Listener
from storage.queries import outbox as queries
from storage.tables import OutboxEntry
from storage.types import utcnow

log = logging.getLogger("oncall.outbox")


MAX_BACKOFF_SECONDS = 300.0
# Longer than any one attempt takes (slack_sdk's own retries included): a live worker never loses it.
LEASE = timedelta(minutes=2)
# How often a worker looks for leases held by processes that died beside it (see `is_owner_gone`).
SWEEP_SECONDS = 10.0
# Listening on PostgreSQL, a worker is woken by every replica's writes: it polls only as a fallback
# (for leases that ran out, and in case a notification was lost), when it sweeps for dead leases anyway.
FALLBACK_POLL_SECONDS = SWEEP_SECONDS


def _process_space() -> str:
    """Processes that share the kernel boot and the PID namespace see each other's PIDs; '' if unknown."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink("/proc/self/ns/pid")  # "pid:[4026531836]"
    except OSError:
        return ""
    return f"{boot}.{namespace.removeprefix('pid:[').removesuffix(']')}"


PROCESS_SPACE = _process_space()


def is_owner_gone(owner: str) -> bool:
    """Whether the worker named `owner` is certainly dead: it ran beside us and its process has exited.

    A restarted bot would otherwise wait out the whole lease of what it was doing when it was killed.
    Any doubt (another machine or container, an older owner format, a reused PID) answers False, and
    the lease then runs out as usual.
    """
    parts = owner.split(":")  # host:pid:worker:space, see OutboxWorker._owner
    pid, space = (parts[-3], parts[-1]) if len(parts) >= 4 else ("", "")
    if not PROCESS_SPACE or space != PROCESS_SPACE or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists, under another user
        return False
    return False


def _busy_key(entry: OutboxEntry) -> str:
    return entry.lane or f"entry:{entry.id}"


def backoff(attempts: int) -> float:
    """Exponential with jitter, so a recovering Slack is not hit by every entry at once."""
    delay: float = min(MAX_BACKOFF_SECONDS, 0.5 * 2.0 ** min(attempts, 12))
    return delay * random.uniform(0.8, 1.2)


class OutboxWorker:
    """Runs in the bot's process; `wake()` after a commit makes it look at once instead of polling."""

    def __init__(
        self,
        database: Database,
        registry: Registry,
        *,
        max_attempts: int = 20,
        concurrency: int = 8,
        poll_seconds: float = 2.0,
        clock: Callable[[], datetime] = utcnow,
        pacer: Budgets | None = None,
    ) -> None:
        self._database = database
        self._registry = registry
        self._max_attempts = max_attempts
        self._concurrency = concurrency
        self._poll_seconds = poll_seconds
        self._clock = clock
        self._pacer: Budgets = pacer or Pacer()
        self._wakeup = asyncio.Event()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._busy_lanes: set[str] = set()
        self._stopping = False
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}:{PROCESS_SPACE}"
        self._next_sweep = 0.0
        self._listener = (
            Listener(database.url, queries.CHANNEL, self.wake) if database.dialect == "postgresql" else None
        )
        self._listening: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return not self._stopping

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        if self._listener is not None:
            self._listening = asyncio.create_task(self._listener.run(), name="outbox-listen")
        await self._run()

    async def _run(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            try:
                await self._release_leases_of_the_dead()
                started = await self._start_due()
            except Exception as exc:  # the database may be briefly unreachable; the entries are safe in it
                if is_unreachable(exc):
                    log.warning("outbox.poll_failed error=%s", type(exc).__name__)
                else:
                    log.exception("outbox.poll_failed")
                started = 0
            if not started:
                # The timeout first: a wait() coroutine made before a cancelled await is never awaited.
                # Never past the next sweep: a killed replica's leases are taken back as soon as before.
                idle = min(await self._idle_seconds(), max(0.01, self._next_sweep - time.monotonic()))
                with contextlib.suppress(TimeoutError):
                    # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancellation that comes as the
                    # event is set, and the loop, never stopped, then outlives its event loop.
                    async with asyncio.timeout(idle):
                        await self._wakeup.wait()

    async def _idle_seconds(self) -> float:
        """Sleep until the next retry is due, but poll at least every few seconds (other writers).

        Other replicas' writes wake a listening worker: then the poll is only a slow fallback.
        """
        poll = FALLBACK_POLL_SECONDS if self._listener is not None and self._listener.listening else self._poll_seconds
        try:
            async with self._database.reading() as session:
                next_due = await queries.next_due_at(session, self._clock())
        except Exception:
            return self._poll_seconds
        if next_due is None:
            return poll
        return min(poll, max(0.01, (next_due - self._clock()).total_seconds()))

    async def _release_leases_of_the_dead(self) -> None:
        """At start and every SWEEP_SECONDS: take back at once what a killed process beside us held."""
        if time.monotonic() < self._next_sweep:
            return
        self._next_sweep = time.monotonic() + SWEEP_SECONDS
        async with self._database.transaction() as session:
            owners = await queries.list_lease_owners(session, self._clock())
            for owner in filter(is_owner_gone, owners):
                released = await queries.release_leases(session, owner)
                log.warning("outbox.lease_released owner=%s entries=%d reason=process_gone", owner, released)

    async def stop(self) -> None:
        """Finish what is in flight, then stop taking new entries."""
        self._stopping = True
        self._wakeup.set()
        in_flight = len(self._in_flight)
        if self._in_flight:
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
        if self._listener is not None and self._listening is not None:
            await self._listener.stop()
            await self._listening
        log.info("outbox.stopped finished_in_flight=%d", in_flight)

    async def _start_due(self) -> int:
        room = self._concurrency - len(self._in_flight)
        if room <= 0:
            return 0
        async with self._database.reading() as session:
            due = await queries.list_due(session, self._clock(), limit=room + len(self._busy_lanes))
        candidates, lanes = [], set(self._busy_lanes)
        for entry in due:
            busy_key = _busy_key(entry)
            if entry.id not in self._in_flight and busy_key not in lanes:
                candidates.append(entry)
                lanes.add(busy_key)
        if not candidates:
            return 0
        budgets = {budget for entry in candidates for budget in budgets_of(entry)}
        await self._pacer.prepare(budgets)
        claimed = await self._claim(candidates, room, budgets)
        for entry in claimed:
            assert entry.id is not None
            busy_key = _busy_key(entry)
            self._busy_lanes.add(busy_key)
            self._in_flight[entry.id] = asyncio.create_task(self._run_entry(entry, busy_key))
        return len(claimed)

    async def _claim(self, listed: list[OutboxEntry], room: int, budgets: set[str]) -> list[OutboxEntry]:
        """Lease up to `room` of the listed entries whose budgets allow a call now; move the others' turn.

        The list was read before this transaction: an entry may have finished since, or another replica
        may have listed it too. Each is locked (FOR UPDATE SKIP LOCKED: one worker performs it) and
        checked unchanged, and its budgets are spent in the same transaction that leases it, so a budget
        is never spent for an entry another replica performs. If the worker dies the lease runs out (or
        a worker beside it sees the process gone) and another retries it, counting the attempt that died.
        An entry whose budget is spent waits (its `not_before` moves) without counting an attempt.
        """
        now = self._clock()
        claimed: list[OutboxEntry] = []
        paced = 0
        async with self._database.transaction() as session:
            locked = await queries.lock_claimable(
                session, {e.id: e.attempts for e in listed if e.id is not None}, now=now
            )
            async with self._pacer.ledger(session, budgets) as ledger:
                for entry in locked:
                    if len(claimed) >= room:
                        break
                    wait = ledger.reserve(budgets_of(entry))
                    if wait > 0:
                        entry.not_before = now + timedelta(seconds=wait)
                        paced += 1
                        continue
                    queries.lease(entry, owner=self._owner, until=now + LEASE)
                    claimed.append(entry)
        if paced:
            log.debug("outbox.paced entries=%d", paced)
        return claimed

    async def _run_entry(self, entry: OutboxEntry, busy_key: str) -> None:
        assert entry.id is not None
        incident = f"INC-{entry.incident_id}" if entry.incident_id is not None else None
        try:
            with log_context.bound(outbox_entry=entry.id, incident=incident):
                await self._attempt(entry)
        except Exception as exc:  # the entry is safe in the database: it is taken up again later
            if is_unreachable(exc):
                log.warning("outbox.bookkeeping_failed entry=%s error=%s", entry.id, type(exc).__name__)
            else:
                log.exception("outbox.bookkeeping_failed entry=%s", entry.id)
        finally:
            self._in_flight.pop(entry.id, None)
            self._busy_lanes.discard(busy_key)
            self._wakeup.set()

    async def _attempt(self, entry: OutboxEntry) -> None:
        started = time.monotonic()
        try:
            updates = await self._registry.perform(entry)
        except RemoteRetryable as exc:
            if entry.attempts + 1 >= self._max_attempts:
                # Not silently forever: parked where metrics, alerts and `oncall-bot outbox retry` find it.
                error = f"gave up after {entry.attempts + 1} attempts: {exc}"
                await self._record_failure(entry, error, retry_in=None)
                log.error("outbox.dead kind=%s entry=%s error=%s", entry.kind, entry.id, error)
                return
            delay = max(exc.retry_after or 0.0, backoff(entry.attempts))
            if isinstance(exc, SlackRetryable) and exc.error == "ratelimited":  # Slack's budgets only
                await self._hold_off(entry, exc.method, exc.retry_after or delay)
            await self._record_failure(entry, str(exc), retry_in=delay)
            log.warning(
                "outbox.retry kind=%s entry=%s attempt=%d in=%.1fs error=%s",
                entry.kind,
                entry.id,
                entry.attempts + 1,
                delay,
                exc,
            )
            return
        except RemoteRejected as exc:
            await self._record_failure(entry, str(exc), retry_in=None)
            log.error("outbox.dead kind=%s entry=%s error=%s", entry.kind, entry.id, exc)
            return
        except Exception as exc:  # a bug must not lose the entry: retry it once, slowly, then park it
            error = f"{type(exc).__name__}: {exc}"
            if not is_unreachable(exc) and entry.last_error == error:
                # The same failure twice is not going away by itself (a template that raises, a bug); retried,
                # it would hold up every later effect of its lane. Parked, it waits for `outbox retry`.
                await self._record_failure(entry, f"failed the same way twice: {error}", retry_in=None)
                log.error("outbox.dead kind=%s entry=%s error=%s", entry.kind, entry.id, error)
                return
            await self._record_failure(entry, error, retry_in=backoff(entry.attempts + 2))
            log.exception("outbox.error kind=%s entry=%s", entry.kind, entry.id)
            return
        await self._record_success(entry, updates)
        log.info(
            "outbox.sent kind=%s incident=%s entry=%s attempt=%d ms=%d",
            entry.kind,
            entry.incident_id,
            entry.id,
            entry.attempts + 1,
            (time.monotonic() - started) * 1000,
        )

    async def _hold_off(self, entry: OutboxEntry, method: str, seconds: float) -> None:
        """Slack refused for its rate limit: the other entries spending that budget wait as well."""
        budgets = budgets_of(entry)
        budget = CHAT_UPDATE if method == CHAT_UPDATE and CHAT_UPDATE in budgets else None
        if budget is None and budgets and budgets[0] != CHAT_UPDATE:
            budget = budgets[0]
        if budget is None:
            return
        try:
            await self._pacer.hold(budget, seconds)
        except Exception as exc:  # the entry's own retry is what matters: it must still be recorded
            log.warning("outbox.hold_failed budget=%s error=%s", budget, type(exc).__name__)

    async def _durably(self, entry: OutboxEntry, store: Callable[[], Awaitable[None]]) -> None:
        """Store what an attempt did, waiting out a database outage: only this process knows it.

        Giving up would leave the entry leased, to be performed again (and a message posted twice)
        once the lease runs out. On shutdown it does give up: then the next start takes it over.
        """
        for retry in itertools.count():
            try:
                await store()
                return
            except Exception as exc:
                if self._stopping or not is_unreachable(exc):
                    raise
                if retry == 0:
                    log.warning("outbox.record_waiting entry=%s error=%s", entry.id, type(exc).__name__)
                await asyncio.sleep(min(self._poll_seconds, 0.05 * 2 ** min(retry, 10)))

    async def _record_success(self, entry: OutboxEntry, updates: Updates) -> None:
        await self._durably(entry, lambda: self._store_success(entry, updates))

    async def _record_failure(self, entry: OutboxEntry, error: str, *, retry_in: float | None) -> None:
        await self._durably(entry, lambda: self._store_failure(entry, error, retry_in=retry_in))

    async def _store_success(self, entry: OutboxEntry, updates: Updates) -> None:
        assert entry.id is not None
        async with self._database.transaction() as session:
            if updates:
                await self._registry.remember(session, entry, updates)
            stored = await queries.get_entry(session, entry.id)
            if stored is not None:
                stored.state, stored.done_at, stored.attempts = (
                    queries.DONE,
                    self._clock(),
                    entry.attempts + 1,
                )
                stored.last_error = None
                stored.lease_until = stored.lease_owner = None

    async def _store_failure(self, entry: OutboxEntry, error: str, *, retry_in: float | None) -> None:
        assert entry.id is not None
        async with self._database.transaction() as session:
            stored = await queries.get_entry(session, entry.id)
            if stored is None:
                return
            stored.attempts, stored.last_error = entry.attempts + 1, error[:2000]
            stored.lease_until = stored.lease_owner = None
            if retry_in is None:
                stored.state = queries.DEAD
            else:
                stored.not_before = self._clock() + timedelta(seconds=retry_in)

    async def wait_until_idle(self) -> None:
        """Wait until every entry is done or dead; callers bound it with asyncio.timeout."""
        while True:
            async with self._database.reading() as session:
                pending = (await queries.count_by_state(session)).get(queries.PENDING, 0)
            if not pending and not self._in_flight:
                return
            self.wake()
            await asyncio.sleep(0.05)
