"""The scheduler in the bot's process: APScheduler fires ticks; only the leading replica runs them.

Leadership (bot/leadership.py) is a lock the leader's process holds for as long as it lives; another
replica takes it at its next try (every LEADERSHIP_SECONDS) once the leader is gone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.alertmanager.client import AlertmanagerClient
from bot.alertmanager.lifecycle import SilenceTick, SilenceWatch
from bot.alerts.ingest import AlertIngestion
from bot.clock import utcnow
from bot.config.schema import OncallConfig
from bot.database import Database
from bot.heartbeats.service import Heartbeats
from bot.leadership import Leadership
from bot.maintenance.service import Maintenance, WindowsChanged, assemble
from bot.observability.metrics import Metrics
from bot.reminders import retros
from bot.reminders.reminders import Reminders, TickResult
from bot.retention.service import Deleted, Retention
from bot.schedules.calendars import POLL_EVERY, CalendarPoller
from bot.schedules.catalog import Catalog
from bot.schedules.emails import EmailLookup, UserByEmail
from bot.schedules.handoffs import Handoffs
from bot.slo import digest
from bot.slo.evaluation import SloEvaluator
from bot.slo.models import SloStatus
from bot.unit_of_work import Begin

log = logging.getLogger("oncall.scheduler")

LEADERSHIP_SECONDS = 2.0
# oncall_slo_status: what a Prometheus rule can compare (FAIL is the highest)
_STATUS_VALUE = {SloStatus.PASS: 0, SloStatus.AT_RISK: 1, SloStatus.FAIL: 2, SloStatus.NO_DATA: -1}


class Scheduler:
    def __init__(
        self,
        database: Database,
        begin: Begin,
        config: OncallConfig,
        *,
        clock: Callable[[], datetime] = utcnow,
        metrics: Metrics | None = None,
        slos: SloEvaluator | None = None,
        user_by_email: UserByEmail | None = None,
        heartbeats: Heartbeats | None = None,
        catalog: Catalog | None = None,
        ingestion: AlertIngestion | None = None,
        alertmanager: AlertmanagerClient | None = None,
        maintenance: Maintenance | None = None,
    ) -> None:
        self._metrics = metrics
        self.slos = slos
        self._begin = begin
        self._config = config
        self._clock = clock
        self.reminders = Reminders(config)
        self.retention = Retention(config.retention, begin, config.slos)
        # A scheduler a test builds by hand (a restart) ingests through one ingestion of its own, holding what
        # maintenance windows match as create_app's does.
        ingestion = ingestion or AlertIngestion(config)
        self.maintenance = maintenance or assemble(config, ingestion)
        self.heartbeats = heartbeats or Heartbeats(config, ingestion)
        # A silence's end told beforehand, and its alerts that stopped firing resolved (bot/alertmanager/lifecycle.py).
        self._own_client = alertmanager is None
        self._alertmanager = alertmanager or AlertmanagerClient()
        self.silences = SilenceWatch(config, ingestion, self._alertmanager)
        catalog = catalog or Catalog(config.schedules, config.zone)
        self.handoffs = Handoffs(catalog)
        self.calendars = CalendarPoller(catalog.locations(), begin)
        # Without Slack (a scheduler a test builds by hand) e-mail addresses stay as written.
        self.emails = EmailLookup(catalog, begin, user_by_email) if user_by_email is not None else None
        self._sources = bool(catalog.locations() or catalog.emails())
        # One refresh at a time in this process: a test's call waits for the start-up job's, so two never
        # insert the same calendar or address at once.
        self._refreshing = asyncio.Lock()
        self.leadership = Leadership(database)
        self._scheduler = AsyncIOScheduler(timezone=config.zone)

    async def start(self) -> None:
        async with self._begin() as (session, _):
            await retros.sync_config(session=session, config=self._config, now=self._clock())
            digests = [*self._config.digests, *self._config.reports]  # posted reports are digests of their own kind
            await digest.sync_config(session=session, digests=digests, now=self._clock())
            await self.heartbeats.sync(session, self._clock())  # a new heartbeat's silence counts from here
        async with self._begin() as (session, outbox):
            await self.handoffs.sync(session=session, outbox=outbox, now=self._clock())
        every = self._config.reminders.check_every.total_seconds()
        # Given the zone, a trigger does not look up the machine's own (tzlocal reads files, in the loop).
        zone = self._config.zone
        # A tick late by less than its period still runs (once: coalesced); later ones are skipped,
        # and the next tick sends whatever they would have. Silences and retention are jobs of their own:
        # an Alertmanager slow to answer, or a tick's deletes (bounded, bot/retention), hold up no reminder.
        for job, name in (
            (self._tick_if_leader, "reminders"),
            (self._silences_if_leader, "silences"),
            (self._retention_if_leader, "retention"),
        ):
            self._scheduler.add_job(
                job,
                IntervalTrigger(seconds=every, timezone=zone),
                id=name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(every)),
            )
        if self.slos is not None and self.slos.definitions:
            self._scheduler.add_job(
                self._evaluate_if_leader,
                IntervalTrigger(seconds=self._config.slo.evaluate_every.total_seconds(), timezone=zone),
                id="slo-evaluation",
                max_instances=1,
                coalesce=True,
                next_run_time=self._clock(),  # a fresh start shows current numbers, not a 5-minute-old gap
            )
        if self._sources:
            self._scheduler.add_job(
                self._refresh_if_leader,
                IntervalTrigger(seconds=POLL_EVERY.total_seconds(), timezone=zone),
                id="schedule-sources",
                max_instances=1,
                coalesce=True,
                next_run_time=self._clock(),  # a fresh start reads its calendars at once, not in 15 minutes
            )
        self._scheduler.add_job(
            self.leadership.try_lead,
            IntervalTrigger(seconds=LEADERSHIP_SECONDS, timezone=zone),
            id="leadership",
            max_instances=1,
            coalesce=True,
        )
        await self.leadership.try_lead()  # first, so jobs due at once already know whether to run
        self._scheduler.start()

    async def stop(self) -> None:
        self._scheduler.shutdown(wait=False)
        await self.leadership.release()
        await self.calendars.fetcher.close()
        if self._own_client:
            await self._alertmanager.close()

    async def _tick_if_leader(self) -> None:
        # The leadership job keeps this current; the tick's own transaction lock covers the moments
        # between a lost connection and the next check.
        if self._metrics is not None:
            self._metrics.is_leader.set(1 if self.leadership.is_leader else 0)
        if not self.leadership.is_leader:
            return
        try:
            # Schedules first, in their own transaction: a failing reminder must not hold up a hand-off.
            await self.tick_oncall(self._clock())
        except Exception:  # the next tick tries again; nothing was recorded as announced
            log.exception("scheduler.oncall_tick_failed")
        try:  # its own transaction too: a silent heartbeat is raised whatever the reminders do
            await self.tick_heartbeats(self._clock())
        except Exception:  # the next tick tries again; nothing was recorded as raised
            log.exception("scheduler.heartbeat_tick_failed")
        try:  # its own transaction too: a window ends on time whatever the reminders do
            await self.tick_maintenance(self._clock())
        except Exception:  # the next tick tries again; nothing was recorded as started or ended
            log.exception("scheduler.maintenance_tick_failed")
        try:
            result = await self.tick(self._clock())
        except Exception:  # the next tick tries again; nothing was recorded as sent
            log.exception("scheduler.tick_failed")
            if self._metrics is not None:
                self._metrics.scheduler_ticks.labels("failed").inc()
            return
        if self._metrics is not None:
            self._metrics.scheduler_ticks.labels("ok").inc()
            for kind in ("nudges", "postmortems", "follow_ups", "retros", "digests"):
                if getattr(result, kind):
                    self._metrics.reminders_sent.labels(kind).inc(getattr(result, kind))
        if result.sent:
            log.info(
                "scheduler.sent nudges=%d postmortems=%d follow_ups=%d retros=%d digests=%d",
                result.nudges,
                result.postmortems,
                result.follow_ups,
                result.retros,
                result.digests,
            )

    async def _silences_if_leader(self) -> None:
        if not self.leadership.is_leader:
            return
        try:
            await self.tick_silences(self._clock())
        except Exception:  # the next tick tries again; nothing was recorded as told, nothing resolved half-way
            log.exception("scheduler.silence_tick_failed")

    async def _retention_if_leader(self) -> None:
        if not self.leadership.is_leader:
            return
        try:
            await self.tick_retention(self._clock())
        except Exception:  # the next tick goes on: each batch committed whole or not at all
            log.exception("scheduler.retention_failed")

    async def tick_retention(self, now: datetime) -> Deleted:
        """Delete one tick's share of what is past the `retention:` horizons at `now`; tests call it with their time."""
        deleted = await self.retention.tick(now)
        if deleted.rows:
            if self._metrics is not None:
                for table, count in deleted.rows.items():
                    self._metrics.retention_deleted.labels(table).inc(count)
            log.info("scheduler.retention %s", " ".join(f"{table}={count}" for table, count in deleted.rows.items()))
        return deleted

    async def _evaluate_if_leader(self) -> None:
        if not self.leadership.is_leader or self.slos is None:
            return
        try:
            reports = await self.slos.evaluate_and_store(at=self._clock())
        except Exception:  # the next run measures again; nothing half-stored
            log.exception("scheduler.slo_evaluation_failed")
            if self._metrics is not None:
                self._metrics.slo_evaluations.labels("failed").inc()
            return
        if self._metrics is not None:
            self._metrics.slo_evaluations.labels("ok").inc()
            for report in reports:
                self._metrics.slo_status.labels(report.name, report.service).set(_STATUS_VALUE[report.status])

    async def _refresh_if_leader(self) -> None:
        if not self.leadership.is_leader:
            return
        try:
            await self.refresh_schedules(self._clock())
        except Exception:  # a failing database: the next poll tries again, the last copies stay in use
            log.exception("scheduler.schedule_refresh_failed")

    async def refresh_schedules(self, now: datetime) -> dict[str, str]:
        """Fetch every `ical:` calendar, then look up the e-mail addresses due; tests call it with their time.

        Returns the calendars that failed, with why (each keeps its last good copy).
        """
        async with self._refreshing:
            failures = await self.calendars.poll(now)
            if self.emails is not None:  # after the calendars: the addresses their events name are looked up too
                await self.emails.refresh(now)
            return failures

    async def tick_oncall(self, now: datetime) -> int:
        """Announce hand-offs, shift notices and gap reports due at `now`; tests call it with their time."""
        async with self._begin() as (session, outbox):
            return await self.handoffs.tick(session=session, outbox=outbox, now=now)

    async def tick_heartbeats(self, now: datetime) -> list[str]:
        """Raise an alert for each heartbeat silent past its timeout at `now`; tests call it with their time."""
        async with self._begin() as (session, outbox):
            raised = await self.heartbeats.tick(session, outbox, now)
        if raised:
            log.info("scheduler.heartbeats_raised names=%s", ",".join(raised))
        return raised

    async def tick_maintenance(self, now: datetime) -> WindowsChanged:
        """Start the scheduled maintenance windows due at `now`, end those past due; tests call it with their time."""
        async with self._begin() as (session, outbox):
            changed = await self.maintenance.tick(session, outbox, now)
        if changed.started or changed.ended:
            log.info("scheduler.maintenance started=%s ended=%s", changed.started, changed.ended)
        return changed

    async def tick(self, now: datetime) -> TickResult:
        """Send everything due at `now`; tests call it with the time they want."""
        async with self._begin() as (session, outbox):
            return await self.reminders.tick(session=session, outbox=outbox, now=now)

    async def tick_silences(self, now: datetime) -> SilenceTick:
        """Tell the silences ending soon, then resolve silenced alerts Alertmanager no longer lists; tests call it."""
        async with self._begin() as (session, outbox):
            done = SilenceTick(warned=await self.silences.warn(session, outbox, now))
            done.ended = await self.silences.end(session, outbox, now)
        if done.warned:
            log.info("scheduler.silences_warned ids=%s", ",".join(str(number) for number in done.warned))
        done.resolved = await self.silences.resolve_gone(self._begin, now)
        return done
