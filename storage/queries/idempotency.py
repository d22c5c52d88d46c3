"""Keys a sender gives so that its retry of a request is recognised: kept in processed_events."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries.timeline import claim_event
from storage.tables import ProcessedEvent


async def claim_key(session: AsyncSession, key: str, *, now: datetime, keep: timedelta) -> bool:
    """Record `key`; False when it was recorded less than `keep` ago (the request is a retry).

    An older record is taken over: a key is remembered for `keep`, as the API promises, not forever.
    """
    if await claim_event(session, key):
        return True
    taken_over = await session.exec(
        update(ProcessedEvent)
        .where(col(ProcessedEvent.event_id) == key, col(ProcessedEvent.received_at) < now - keep)
        .values(received_at=now)
    )
    return bool(taken_over.rowcount)
