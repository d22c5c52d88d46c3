"""What on-call schedules read and write: overrides, cover requests, schedule state, announcements."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries.dialect import insert_for
from storage.tables import (
    Alert,
    FollowUp,
    Incident,
    OncallAnnouncement,
    OncallCalendar,
    OncallCoverRequest,
    OncallEmail,
    OncallOverride,
    OncallScheduleState,
)


async def overrides_between(
    session: AsyncSession, schedules: Collection[str], start: datetime, end: datetime
) -> Sequence[OncallOverride]:
    """Overrides in force somewhere in [start, end), oldest first (the resolver lets the later one win)."""
    query = (
        select(OncallOverride)
        .where(
            col(OncallOverride.schedule).in_(list(schedules)),
            col(OncallOverride.removed_at).is_(None),
            col(OncallOverride.start_at) < end,
            col(OncallOverride.end_at) > start,
        )
        .order_by(col(OncallOverride.id))
    )
    return (await session.exec(query)).all()


async def add_override(session: AsyncSession, override: OncallOverride) -> OncallOverride:
    session.add(override)
    await session.flush()
    return override


async def get_override(session: AsyncSession, override_id: int) -> OncallOverride | None:
    query = select(OncallOverride).where(OncallOverride.id == override_id).with_for_update()
    return (await session.exec(query)).first()


async def add_cover_request(session: AsyncSession, request: OncallCoverRequest) -> OncallCoverRequest:
    session.add(request)
    await session.flush()
    return request


async def get_cover_request(session: AsyncSession, request_id: int) -> OncallCoverRequest | None:
    # Locked: two people pressing "I'll take it" at once make one override, not two.
    query = select(OncallCoverRequest).where(OncallCoverRequest.id == request_id).with_for_update()
    return (await session.exec(query)).first()


async def schedule_states(session: AsyncSession) -> dict[str, OncallScheduleState]:
    return {state.name: state for state in (await session.exec(select(OncallScheduleState))).all()}


async def schedule_state(session: AsyncSession, name: str) -> OncallScheduleState | None:
    # Locked for the tick's transaction: a second replica's tick waits, then sees what this one announced.
    query = select(OncallScheduleState).where(OncallScheduleState.name == name).with_for_update()
    return (await session.exec(query)).first()


async def state_by_calendar_token(session: AsyncSession, token: str) -> OncallScheduleState | None:
    query = select(OncallScheduleState).where(OncallScheduleState.calendar_token == token)
    return (await session.exec(query)).first()


async def add_state(session: AsyncSession, state: OncallScheduleState) -> None:
    session.add(state)
    await session.flush()


async def announce(
    session: AsyncSession, *, schedule: str, kind: str, at: datetime, subject: str = "", now: datetime
) -> bool:
    """Record that something is being announced; False when it already was (by this replica or another)."""
    statement = (
        insert_for(session)(OncallAnnouncement)
        .values(schedule=schedule, kind=kind, at=at, subject=subject, created_at=now)
        .on_conflict_do_nothing(index_elements=["schedule", "kind", "at", "subject"])
        .returning(col(OncallAnnouncement.id))
    )
    return (await session.exec(statement)).first() is not None


async def calendars(session: AsyncSession) -> dict[str, OncallCalendar]:
    return {row.location: row for row in (await session.exec(select(OncallCalendar))).all()}


async def store_calendar(
    session: AsyncSession, location: str, *, body: str | None, error: str | None, at: datetime
) -> None:
    row = await session.get(OncallCalendar, location)
    if row is None:
        row = OncallCalendar(location=location)
        session.add(row)
    if body is not None:  # a failed fetch keeps the last good copy: the layer goes on answering from it
        row.body = body
        row.fetched_at = at
    row.error = error
    await session.flush()


async def emails(session: AsyncSession) -> dict[str, str | None]:
    return {row.email: row.user_id for row in (await session.exec(select(OncallEmail))).all()}


async def email_lookups(session: AsyncSession) -> dict[str, datetime]:
    """When each address was last looked up (found or not)."""
    return {row.email: row.looked_up_at for row in (await session.exec(select(OncallEmail))).all()}


async def store_email(session: AsyncSession, email: str, user_id: str | None, *, at: datetime) -> None:
    row = await session.get(OncallEmail, email)
    if row is None:
        session.add(OncallEmail(email=email, user_id=user_id, looked_up_at=at))
    else:
        row.user_id, row.looked_up_at = user_id, at
    await session.flush()


async def shift_summary(session: AsyncSession, start: datetime, end: datetime, *, today: date) -> tuple[int, ...]:
    """Incidents opened and resolved in [start, end), alerts firing, open follow-ups due by `today`.

    Private incidents are left out of every count: a hand-off post is read by people outside them.
    """
    public = col(Incident.is_private).is_(False)
    opened = select(func.count()).where(public, col(Incident.declared_at) >= start, col(Incident.declared_at) < end)
    resolved = select(func.count()).where(public, col(Incident.resolved_at) >= start, col(Incident.resolved_at) < end)
    firing = select(func.count()).select_from(Alert).where(Alert.status == "firing")
    due = (
        select(func.count())
        .select_from(FollowUp)
        .join(Incident, col(Incident.id) == col(FollowUp.incident_id))
        .where(public, FollowUp.state == "open", col(FollowUp.due).is_not(None), col(FollowUp.due) <= today)
    )
    return tuple([(await session.exec(query)).one() for query in (opened, resolved, firing, due)])
