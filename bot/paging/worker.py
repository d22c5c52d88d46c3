"""The escalation worker: in every replica, performs the escalation steps that are due.

Each step is its own transaction (bot/paging/steps.py); a replica that finds the incident locked skips
it until its next poll, so two replicas never perform one step twice and never wait on each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from bot.clock import utcnow
from bot.paging import steps
from bot.schedules.catalog import Catalog
from bot.unit_of_work import Begin

log = logging.getLogger("oncall.paging")

POLL_SECONDS = 1.0


class EscalationWorker:
    def __init__(self, begin: Begin, catalog: Catalog, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._begin = begin
        self._catalog = catalog
        self._clock = clock
        self._stopping = asyncio.Event()

    async def run_due(self, now: datetime | None = None) -> int:
        """Perform every step due at `now` (default: the clock); how many were. Tests call it with their time."""
        moment = now or self._clock()
        async with self._begin.reading() as session:
            due = await steps.due(session, moment)
        performed = 0
        for escalation_id in due:
            try:
                async with self._begin() as (session, outbox):
                    performed += await steps.perform(
                        session=session, outbox=outbox, catalog=self._catalog, escalation_id=escalation_id, now=moment
                    )
            except Exception:  # the row is unchanged: the next poll tries the step again
                log.exception("paging.step_failed escalation=%s", escalation_id)
        return performed

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_due()
            except Exception as exc:  # the database may be briefly unreachable; the rows are safe in it
                log.warning("paging.poll_failed error=%s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):  # not wait_for: see bot/outbox/worker.py
                    await self._stopping.wait()

    def stop(self) -> None:
        self._stopping.set()
