"""What the scheduler reads and writes: reminders, retro cadences, and the state they depend on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import FollowUp, Incident, Reminder, Retro, TimelineEntry

_SCHEDULER_LOCK = 0x5C4ED  # differs from the migration and ingestion locks
UPDATE_KINDS = ("declared", "status", "note")


async def lock_scheduler(session: AsyncSession) -> None:
    """One tick at a time across replicas, even if two briefly both think they lead."""
    if session.get_bind().dialect.name == "postgresql":
        await session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=_SCHEDULER_LOCK))  # type: ignore[call-overload]


async def open_incidents_with_last_update(
    session: AsyncSession, open_statuses: Sequence[str]
) -> Sequence[tuple[Incident, datetime | None]]:
    """Open incidents and when each last had a status update or note (or was declared)."""
    last_update = (
        select(TimelineEntry.incident_id, func.max(TimelineEntry.at).label("at"))
        .where(col(TimelineEntry.kind).in_(UPDATE_KINDS))
        .group_by(col(TimelineEntry.incident_id))
        .subquery()
    )
    query = (
        select(Incident, last_update.c.at)
        .outerjoin(last_update, last_update.c.incident_id == Incident.id)
        .where(col(Incident.status).in_(open_statuses))
        .order_by(col(Incident.id))
    )
    return [(incident, at) for incident, at in (await session.exec(query)).all()]


async def resolved_without_postmortem(session: AsyncSession) -> Sequence[Incident]:
    query = (
        select(Incident)
        .where(Incident.status == "resolved", col(Incident.postmortem_drafted_at).is_(None))
        .order_by(col(Incident.id))
    )
    return (await session.exec(query)).all()


async def open_follow_ups_due_by(session: AsyncSession, day: date) -> Sequence[FollowUp]:
    query = (
        select(FollowUp)
        .where(FollowUp.state == "open", col(FollowUp.due).is_not(None), col(FollowUp.due) <= day)
        .order_by(col(FollowUp.incident_id), col(FollowUp.number))
    )
    return (await session.exec(query)).all()


async def reminder(session: AsyncSession, kind: str, subject_id: int) -> Reminder:
    """The reminder row for this subject, created on first use."""
    query = select(Reminder).where(Reminder.kind == kind, Reminder.subject_id == subject_id).with_for_update()
    row = (await session.exec(query)).first()
    if row is None:
        row = Reminder(kind=kind, subject_id=subject_id)
        session.add(row)
        await session.flush()
    return row


async def incidents_declared_between(session: AsyncSession, start: datetime, end: datetime) -> Sequence[Incident]:
    query = (
        select(Incident)
        .where(col(Incident.declared_at) >= start, col(Incident.declared_at) < end)
        .order_by(col(Incident.declared_at))
    )
    return (await session.exec(query)).all()


async def incidents_awaiting_postmortem_review(session: AsyncSession) -> Sequence[Incident]:
    """Resolved, not closed: their postmortem is not written or not reviewed yet."""
    query = select(Incident).where(Incident.status == "resolved").order_by(col(Incident.id))
    return (await session.exec(query)).all()


async def overdue_follow_ups(session: AsyncSession, today: date) -> Sequence[FollowUp]:
    query = (
        select(FollowUp)
        .where(FollowUp.state == "open", col(FollowUp.due).is_not(None), col(FollowUp.due) < today)
        .order_by(col(FollowUp.due))
    )
    return (await session.exec(query)).all()


async def active_retros(session: AsyncSession) -> Sequence[Retro]:
    query = select(Retro).where(col(Retro.cancelled_at).is_(None)).order_by(col(Retro.id))
    return (await session.exec(query)).all()


async def get_retro(session: AsyncSession, retro_id: int) -> Retro | None:
    return await session.get(Retro, retro_id)


async def retro_by_config_key(session: AsyncSession, key: str) -> Retro | None:
    return (await session.exec(select(Retro).where(Retro.config_key == key))).first()


async def config_retros(session: AsyncSession) -> Sequence[Retro]:
    return (await session.exec(select(Retro).where(col(Retro.config_key).is_not(None)))).all()


async def insert_retro(session: AsyncSession, retro: Retro) -> Retro:
    session.add(retro)
    await session.flush()
    return retro
