"""What paging reads and writes: escalations as timers any replica may claim, and the pages they sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Escalation, Incident, Page

ACTIVE = "active"


async def add_escalation(session: AsyncSession, escalation: Escalation) -> Escalation:
    session.add(escalation)
    await session.flush()
    return escalation


async def lock_incident(session: AsyncSession, incident_id: int) -> Incident | None:
    """The incident, locked; None when another transaction holds it (SKIP LOCKED: that replica is on it,
    or someone is acknowledging: the step is looked at again on the next poll)."""
    query = select(Incident).where(Incident.id == incident_id).with_for_update(skip_locked=True)
    return (await session.exec(query)).first()


async def next_due_at(session: AsyncSession) -> datetime | None:
    query = select(Escalation.next_at).where(Escalation.state == ACTIVE).order_by(col(Escalation.next_at)).limit(1)
    return (await session.exec(query)).first()


async def active_of(session: AsyncSession, incident_id: int) -> Sequence[Escalation]:
    """The incident's escalations under way, locked: an acknowledgement waits for a step being performed."""
    query = (
        select(Escalation)
        .where(Escalation.incident_id == incident_id, Escalation.state == ACTIVE)
        .order_by(col(Escalation.id))
        .with_for_update()
    )
    return (await session.exec(query)).all()


async def stop_all(session: AsyncSession, incident_id: int, *, state: str, by: str | None, now: datetime) -> int:
    """Stop every escalation of the incident under way (acknowledged, resolved); how many were."""
    result = await session.exec(
        update(Escalation)
        .where(col(Escalation.incident_id) == incident_id, col(Escalation.state) == ACTIVE)
        .values(state=state, stopped_by=by, stopped_at=now)
    )
    return int(result.rowcount or 0)


async def escalations_of(session: AsyncSession, incident_id: int) -> Sequence[Escalation]:
    query = select(Escalation).where(Escalation.incident_id == incident_id).order_by(col(Escalation.id))
    return (await session.exec(query)).all()


async def add_pages(session: AsyncSession, pages: Sequence[Page]) -> None:
    session.add_all(pages)
    await session.flush()


async def pages_of(session: AsyncSession, incident_id: int) -> Sequence[Page]:
    query = select(Page).where(Page.incident_id == incident_id).order_by(col(Page.at), col(Page.id))
    return (await session.exec(query)).all()


async def due_ids(session: AsyncSession, now: datetime, *, limit: int = 50) -> Sequence[Escalation]:
    """Escalations whose next step is due (read without locks: each is locked when performed)."""
    query = (
        select(Escalation)
        .where(Escalation.state == ACTIVE, col(Escalation.next_at) <= now)
        .order_by(col(Escalation.next_at), col(Escalation.id))
        .limit(limit)
    )
    return (await session.exec(query)).all()


async def get_escalation(session: AsyncSession, escalation_id: int, *, for_update: bool = False) -> Escalation | None:
    query = select(Escalation).where(Escalation.id == escalation_id)
    if for_update:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def pagers_paged(session: AsyncSession, incident_id: int, *, kinds: Sequence[str]) -> list[tuple[str, str]]:
    """(kind, target) of each pager (PagerDuty routing key, webhook URL) the incident's steps paged, first first."""
    query = (
        select(Page.kind, Page.target)
        .where(Page.incident_id == incident_id, col(Page.kind).in_(kinds))
        .order_by(col(Page.id))
    )
    return list(dict.fromkeys((kind, target) for kind, target in (await session.exec(query)).all()))
