"""What silences read and write."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import SilenceState
from storage.tables import Silence


async def add(session: AsyncSession, silence: Silence) -> Silence:
    session.add(silence)
    await session.flush()  # the id goes in the comment Alertmanager keeps, so the outbox can find it again
    return silence


async def get(session: AsyncSession, silence_id: int) -> Silence | None:
    return await session.get(Silence, silence_id)


async def by_am_id(session: AsyncSession, am_silence_id: str) -> Silence | None:
    query = select(Silence).where(Silence.am_silence_id == am_silence_id)
    return (await session.exec(query)).first()


async def not_ended(session: AsyncSession, *, now: datetime, limit: int = 50) -> Sequence[Silence]:
    """Pending and active silences that have not reached their end, the soonest to end first."""
    query = (
        select(Silence)
        .where(col(Silence.state).in_([SilenceState.PENDING, SilenceState.ACTIVE]), col(Silence.ends_at) > now)
        .order_by(col(Silence.ends_at), col(Silence.id))
        .limit(limit)
    )
    return (await session.exec(query)).all()


async def shown_on(
    session: AsyncSession, *, now: datetime, incident_id: int | None = None, group_id: int | None = None
) -> Sequence[Silence]:
    """The silences not yet ended that were made for an incident's alerts or a group's, to show on their message."""
    query = select(Silence).where(
        col(Silence.state).in_([SilenceState.PENDING, SilenceState.ACTIVE]), col(Silence.ends_at) > now
    )
    if incident_id is not None:
        query = query.where(Silence.incident_id == incident_id)
    else:
        query = query.where(Silence.group_id == group_id)
    return (await session.exec(query.order_by(col(Silence.ends_at)))).all()
