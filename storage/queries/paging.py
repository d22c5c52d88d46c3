"""What paging reads and writes: escalations as timers any replica may claim, and the pages they sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import EscalationState
from storage.queries.schedules import UPDATE_KINDS
from storage.tables import Escalation, Incident, Page, TimelineEntry

ACTIVE = EscalationState.ACTIVE


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


async def stop_all(
    session: AsyncSession, incident_id: int, *, state: EscalationState, by: str | None, now: datetime
) -> int:
    """Stop every escalation of the incident under way (acknowledged, resolved); how many were.

    An acknowledged one whose policy has an `ack_timeout` is looked at again then (`rearm_at`)."""
    stopped = await active_of(session, incident_id)
    for escalation in stopped:
        escalation.state, escalation.stopped_by, escalation.stopped_at = state, by, now
        if state is EscalationState.ACKNOWLEDGED and escalation.ack_timeout_seconds:
            escalation.rearm_at = now + timedelta(seconds=escalation.ack_timeout_seconds)
    return len(stopped)


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
        .where(
            or_(
                and_(col(Escalation.state) == ACTIVE, col(Escalation.next_at) <= now),
                # acknowledged, and its ack_timeout has run out: is there an update since?
                and_(col(Escalation.state) == EscalationState.ACKNOWLEDGED, col(Escalation.rearm_at) <= now),
            )
        )
        .order_by(col(Escalation.next_at), col(Escalation.id))
        .limit(limit)
    )
    return (await session.exec(query)).all()


async def updated_since(session: AsyncSession, incident_id: int, since: datetime) -> bool:
    """Whether someone gave the incident a status update or a note after `since`."""
    query = select(func.count()).where(
        TimelineEntry.incident_id == incident_id,
        col(TimelineEntry.kind).in_(UPDATE_KINDS),
        col(TimelineEntry.at) > since,
    )
    return bool((await session.exec(query)).one())


async def get_escalation(session: AsyncSession, escalation_id: int, *, for_update: bool = False) -> Escalation | None:
    query = select(Escalation).where(Escalation.id == escalation_id)
    if for_update:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def page_counts(session: AsyncSession) -> dict[str, int]:
    """Pages sent, by kind of target; private incidents' left out (they would tell one is open)."""
    query = (
        select(Page.kind, func.count())
        .join(Incident, col(Incident.id) == col(Page.incident_id))
        .where(col(Incident.is_private).is_(False))
        .group_by(col(Page.kind))
    )
    return {kind: int(count) for kind, count in (await session.exec(query)).all()}


async def escalation_counts(session: AsyncSession) -> dict[str, int]:
    """Escalations by state (their sum: every one started); private incidents' left out."""
    query = (
        select(Escalation.state, func.count())
        .join(Incident, col(Incident.id) == col(Escalation.incident_id))
        .where(col(Incident.is_private).is_(False))
        .group_by(col(Escalation.state))
    )
    return {state: int(count) for state, count in (await session.exec(query)).all()}


async def acknowledgement_seconds(session: AsyncSession, *, since: datetime) -> list[float]:
    """How long each escalation acknowledged since `since` paged before someone acknowledged it."""
    query = (
        select(Escalation.started_at, Escalation.stopped_at)
        .join(Incident, col(Incident.id) == col(Escalation.incident_id))
        .where(
            col(Incident.is_private).is_(False),
            Escalation.state == EscalationState.ACKNOWLEDGED,
            col(Escalation.stopped_at) >= since,
        )
    )
    return [
        (stopped - started).total_seconds()
        for started, stopped in (await session.exec(query)).all()
        if stopped is not None
    ]


async def pagers_paged(session: AsyncSession, incident_id: int, *, kinds: Sequence[str]) -> list[tuple[str, str]]:
    """(kind, target) of each pager (PagerDuty routing key, webhook URL) the incident's steps paged, first first."""
    query = (
        select(Page.kind, Page.target)
        .where(Page.incident_id == incident_id, col(Page.kind).in_(kinds))
        .order_by(col(Page.id))
    )
    return list(dict.fromkeys((kind, target) for kind, target in (await session.exec(query)).all()))
