"""What an operator does with the outbox: put dead entries back in line once the cause is fixed, or see
how much is still to be done."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UserError
from storage.engine import Database
from storage.queries import outbox as queries
from storage.tables import OutboxEntry
from storage.types import utcnow


async def retry_dead(session: AsyncSession, entry_ids: Sequence[int] = ()) -> list[OutboxEntry]:
    """Make dead entries pending again (all of them, or the ones named); returns them as they were."""
    dead = list(await queries.list_dead(session, entry_ids))
    missing = sorted(set(entry_ids) - {entry.id for entry in dead if entry.id is not None})
    if missing:
        raise UserError(
            f"no dead outbox entry {', '.join(map(str, missing))} (see `oncall-bot outbox retry` with no ids)"
        )
    retried = [OutboxEntry.model_validate(entry) for entry in dead]
    for entry in dead:
        entry.state, entry.attempts, entry.not_before = queries.PENDING, 0, utcnow()
        entry.lease_owner = entry.lease_until = None
    return retried


async def backlog(database: Database, now: datetime) -> tuple[int, datetime | None]:
    """How many entries are still to be performed, and when the next one is due (None: none is)."""
    async with database.reading() as session:
        pending = (await queries.count_by_state(session)).get(queries.PENDING, 0)
        return pending, await queries.next_due_at(session, now)
