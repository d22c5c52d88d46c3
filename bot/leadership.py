"""Which replica runs the scheduler's jobs: the one holding the leader lock (storage/locks.py).

When the leader dies its connection closes, PostgreSQL releases the lock, and another replica takes
it at its next try. On SQLite there is one replica, and it leads.
"""

from __future__ import annotations

import asyncio
import logging

from storage.engine import Database
from storage.locks import LEADER_LOCK, SessionLock

log = logging.getLogger("oncall.scheduler")


class Leadership:
    def __init__(self, database: Database) -> None:
        self._lock = SessionLock(database, LEADER_LOCK)
        self.is_leader = self._lock.uncontested
        self._turn = asyncio.Lock()  # one operation at a time on the lock's connection

    async def try_lead(self) -> bool:
        if self._lock.uncontested:
            return True
        async with self._turn:
            return await self._try_lead()

    async def _try_lead(self) -> bool:
        try:
            if not self.is_leader:
                acquired = await self._lock.acquire()
                if acquired:
                    log.info("scheduler.leader acquired")
                self.is_leader = acquired
            else:
                await self._lock.confirm()  # still connected, so still holding it
        except Exception:  # the connection died: whatever we held is released; try again next time
            log.warning("scheduler.leadership_lost", exc_info=True)
            self.is_leader = False
        return self.is_leader

    async def release(self) -> None:
        async with self._turn:
            if self.is_leader and await self._lock.release():
                log.info("scheduler.leader released")
            self.is_leader = False
            await self._lock.close()
