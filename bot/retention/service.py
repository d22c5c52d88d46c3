"""What retention deletes, batch by batch, on the scheduler leader's tick.

Each batch is its own short transaction (storage/queries/retention.py picks at most `batch_size` rows by id and
deletes them), so no lock is held for long and a replica killed mid-batch leaves that batch wholly undone. A tick
runs at most `batches_per_tick` batches, taking the kinds in turn, so a year-old backlog shrinks over many
short ticks instead of one long one. Incidents, timelines, postmortems and follow-ups are never touched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.config.retention import RetentionConfig
from bot.slo.history import longest_window
from bot.slo.math import BURN_WINDOWS
from bot.slo.models import SloDefinition
from bot.unit_of_work import Begin
from storage.queries import retention as queries

# A kind that found nothing is looked at again this much later: its select is all a tick would spend on it.
# Kept in memory only: a new leader looks at once, which costs one select.
IDLE = timedelta(minutes=10)
# Alert group ids a batch looks through: groups an incident keeps are stepped over, a bounded range at a time.
GROUP_SCAN = 5_000
DAY, WEEK = timedelta(days=1), timedelta(weeks=1)
KINDS = ("processed_events", "outbox", "alerts", "slo_evaluations", "slo_events", "reminders")


@dataclass
class Deleted:
    """Rows deleted, by table."""

    rows: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    # Every kind found nothing more to delete (rather than the tick's budget running out).
    finished: bool = False

    def add(self, table: str, count: int) -> None:
        if count:
            self.rows[table] = self.rows.get(table, 0) + count

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _floor(moment: datetime, size: str) -> datetime:
    moment = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0) if size == queries.DAY else moment


class Retention:
    def __init__(self, config: RetentionConfig, begin: Begin, slos: Sequence[SloDefinition] = ()) -> None:
        self._config = config
        self._begin = begin
        # Pushed events are summed over an SLO's window and its burn windows: none younger than the longest goes.
        self._events_needed = max(longest_window(slos), *BURN_WINDOWS.values())
        self._slos = [definition.name for definition in slos]
        self._idle_until: dict[str, datetime] = {}
        self._groups_after = 0
        # Where the next evaluations batch starts (a UTC midnight); None: from the oldest evaluation.
        self._evaluations_from: datetime | None = None
        self._evaluations_kept: set[int] = set()

    async def tick(self, now: datetime) -> Deleted:
        """One tick's share: batches of each kind in turn, until each is done or the tick's budget is spent."""
        deleted = Deleted()
        steps: dict[str, Callable[[datetime, Deleted], Awaitable[bool]]] = {
            "processed_events": self._processed_events,
            "outbox": self._outbox,
            "alerts": self._alerts,
            "slo_evaluations": self._slo_evaluations,
            "slo_events": self._slo_events,
            "reminders": self._reminders,
        }
        pending = [kind for kind in KINDS if self._idle_until.get(kind, now) <= now and self._horizon_set(kind)]
        while pending and deleted.batches < self._config.batches_per_tick:
            for kind in list(pending):
                if deleted.batches >= self._config.batches_per_tick:
                    break
                deleted.batches += 1
                if not await steps[kind](now, deleted):
                    pending.remove(kind)
                    self._idle_until[kind] = now + IDLE
        deleted.finished = not pending
        return deleted

    async def run_all(self, now: datetime) -> Deleted:
        """Every batch due at `now`, however many ticks that would take: for tests and one-off clean-ups."""
        total = Deleted()
        self._idle_until.clear()
        while not total.finished:
            done = await self.tick(now)
            for table, count in done.rows.items():
                total.add(table, count)
            total.batches += done.batches
            total.finished = done.finished
        return total

    def _horizon_set(self, kind: str) -> bool:
        config = self._config
        if kind == "slo_evaluations":
            return config.slo_hourly_after is not None or config.slo_daily_after is not None
        horizon: timedelta | None = getattr(config, kind)
        return horizon is not None

    # Each step runs one batch in its own transaction and says whether there may be more to do.

    async def _processed_events(self, now: datetime, deleted: Deleted) -> bool:
        assert self._config.processed_events is not None
        async with self._begin() as (session, _):
            count = await queries.delete_processed_events(
                session, before=now - self._config.processed_events, limit=self._config.batch_size
            )
        deleted.add("processed_events", count)
        return count == self._config.batch_size

    async def _outbox(self, now: datetime, deleted: Deleted) -> bool:
        assert self._config.outbox is not None
        async with self._begin() as (session, _):
            count = await queries.delete_done_outbox(
                session, before=now - self._config.outbox, limit=self._config.batch_size
            )
        deleted.add("outbox", count)
        return count == self._config.batch_size

    async def _alerts(self, now: datetime, deleted: Deleted) -> bool:
        assert self._config.alerts is not None
        async with self._begin() as (session, _):
            done = await queries.delete_alert_groups(
                session,
                before=now - self._config.alerts,
                after_id=self._groups_after,
                scan=GROUP_SCAN,
                limit=self._config.batch_size,
            )
        deleted.add("alert_groups", done.groups)
        deleted.add("alerts", done.alerts)
        deleted.add("alert_rollups", done.rollups)
        # The end of the table: the next pass starts from its beginning again, after a rest.
        self._groups_after = done.scanned_to or 0
        return done.scanned_to is not None

    async def _slo_evaluations(self, now: datetime, deleted: Deleted) -> bool:
        """Downsample one slice of time (a day where they go hourly, a week where daily): a batch ranks the rows of
        its slice only, however long the history, and slices are whole days so no hour or day is split."""
        hourly, daily = self._config.slo_hourly_after, self._config.slo_daily_after
        daily_before = _floor(now - daily, queries.DAY) if daily is not None else None
        end = _floor(now - hourly, queries.HOUR) if hourly is not None else daily_before
        assert end is not None
        async with self._begin() as (session, _):
            if self._evaluations_from is None:
                oldest = await queries.oldest_evaluation_at(session)
                if oldest is None or oldest >= end:
                    return False
                self._evaluations_from = _floor(oldest, queries.DAY)
                # Once a pass: an evaluation stored since is newer than any slice, so the set stays right for it.
                self._evaluations_kept = await queries.latest_evaluation_ids(session, self._slos)
            since = self._evaluations_from
            if daily_before is not None and since < daily_before:
                size, until = queries.DAY, min(since + WEEK, daily_before)
            else:
                size, until = queries.HOUR, min(since + DAY, end)
            count = await queries.downsample_slo_evaluations(
                session,
                size=size,
                since=since,
                before=until,
                limit=self._config.batch_size,
                keep=self._evaluations_kept,
            )
        deleted.add("slo_evaluations", count)
        if count == self._config.batch_size:
            return True  # more in this slice
        self._evaluations_from = until if until < end else None
        return self._evaluations_from is not None

    async def _slo_events(self, now: datetime, deleted: Deleted) -> bool:
        assert self._config.slo_events is not None
        async with self._begin() as (session, _):
            count = await queries.delete_slo_events(
                session, before=now - self._events_needed - self._config.slo_events, limit=self._config.batch_size
            )
        deleted.add("slo_events", count)
        return count == self._config.batch_size

    async def _reminders(self, now: datetime, deleted: Deleted) -> bool:
        assert self._config.reminders is not None
        async with self._begin() as (session, _):
            count = await queries.delete_spent_reminders(
                session, before=now - self._config.reminders, limit=self._config.batch_size
            )
        deleted.add("reminders", count)
        return count == self._config.batch_size
