"""LISTEN on PostgreSQL: a connection of its own hears what other processes wrote, so nobody polls for it.

A notification sent in a transaction is delivered when it commits (storage/queries/outbox.py NOTIFYs
with each outbox insert). A listener whose connection is lost says so (`listening` is False), so its
user polls quickly meanwhile, and tells its user once more when it is back (it may have missed some).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg
from sqlalchemy.engine import make_url

log = logging.getLogger("oncall.storage")

RECONNECT_SECONDS = 2.0
CHECK_SECONDS = 5.0


class Listener:
    def __init__(self, url: str, channel: str, on_notify: Callable[[], None]) -> None:
        # asyncpg's own DSN: the SQLAlchemy URL without its "+asyncpg" driver name.
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._channel = channel
        self._on_notify = on_notify
        self._connection: asyncpg.Connection | None = None
        self._stopping = asyncio.Event()
        self.listening = False

    def _heard(self, *_: object) -> None:
        self._on_notify()

    async def run(self) -> None:
        """Listen until `stop`, connecting again whenever the connection is lost."""
        while not self._stopping.is_set():
            try:
                self._connection = connection = await asyncpg.connect(self._dsn, timeout=10)
                await connection.add_listener(self._channel, self._heard)
                self.listening = True
                self._on_notify()  # anything written while not listening is looked for now
                while not self._stopping.is_set() and not connection.is_closed():
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(CHECK_SECONDS):  # not wait_for: see bot/outbox/worker.py
                            await self._stopping.wait()
                    if not self._stopping.is_set():
                        await connection.execute("SELECT 1")  # a dead server is noticed here
            except Exception as exc:  # the database is away: its users poll until it is back
                log.warning("listen.lost channel=%s error=%s", self._channel, type(exc).__name__)
            finally:
                self.listening = False
                await self._close()
            if not self._stopping.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(RECONNECT_SECONDS):
                        await self._stopping.wait()

    async def stop(self) -> None:
        self._stopping.set()

    async def _close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close(timeout=2)
            self._connection = None
