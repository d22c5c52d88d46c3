"""Follow-ups of incidents."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import FollowUp


async def next_number(session: AsyncSession, incident_id: int) -> int:
    query = select(func.max(FollowUp.number)).where(FollowUp.incident_id == incident_id)
    return int((await session.exec(query)).one() or 0) + 1


async def insert(session: AsyncSession, follow_up: FollowUp) -> FollowUp:
    session.add(follow_up)
    await session.flush()
    return follow_up


async def get_by_number(session: AsyncSession, incident_id: int, number: int) -> FollowUp | None:
    query = select(FollowUp).where(FollowUp.incident_id == incident_id, FollowUp.number == number)
    return (await session.exec(query)).first()


async def get_by_source(session: AsyncSession, incident_id: int, source_ts: str) -> FollowUp | None:
    query = select(FollowUp).where(FollowUp.incident_id == incident_id, FollowUp.source_ts == source_ts)
    return (await session.exec(query)).first()


async def list_for_incident(session: AsyncSession, incident_id: int) -> Sequence[FollowUp]:
    query = select(FollowUp).where(FollowUp.incident_id == incident_id).order_by(col(FollowUp.number))
    return (await session.exec(query)).all()


async def list_open_owned_by(session: AsyncSession, owner: str) -> Sequence[FollowUp]:
    """A person's open follow-ups, soonest due first (those without a date last)."""
    query = (
        select(FollowUp)
        .where(FollowUp.owner == owner, FollowUp.state == "open")
        .order_by(col(FollowUp.due).is_(None), col(FollowUp.due), col(FollowUp.incident_id), col(FollowUp.number))
    )
    return (await session.exec(query)).all()
