"""What an operator does with the outbox: put dead entries back in line once the cause is fixed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UserError
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
