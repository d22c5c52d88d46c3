"""Incidents and their roles."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from storage.tables import Incident, Role


async def insert_incident(session: AsyncSession, incident: Incident) -> Incident:
    session.add(incident)
    await session.flush()  # allocates the number
    return incident


async def get_incident(session: AsyncSession, number: int, *, for_update: bool = False) -> Incident | None:
    query = select(Incident).where(Incident.id == number)
    if for_update:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def lock_incidents(session: AsyncSession, numbers: Collection[int]) -> Sequence[Incident]:
    """Incidents locked against concurrent changes until the transaction ends, in number order (no deadlocks)."""
    if not numbers:
        return []
    query = select(Incident).where(col(Incident.id).in_(numbers)).order_by(col(Incident.id)).with_for_update()
    return (await session.exec(query)).all()


async def get_incident_by_channel(
    session: AsyncSession, channel_id: str, *, for_update: bool = False
) -> Incident | None:
    query = select(Incident).where(Incident.channel_id == channel_id)
    if for_update:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def list_with_roles_in(session: AsyncSession, statuses: Sequence[str]) -> list[tuple[Incident, list[Role]]]:
    """Incidents whose status is one of `statuses`, newest first, each with its roles: one statement."""
    listed: dict[int | None, tuple[Incident, list[Role]]] = {}
    for incident, role in (await session.exec(_with_roles_in(tuple(statuses)))).all():
        _, roles = listed.setdefault(incident.id, (incident, []))
        if role is not None:
            roles.append(role)
    return sorted(listed.values(), key=lambda pair: -(pair[0].id or 0))


@functools.cache
def _with_roles_in(statuses: tuple[str, ...]) -> Select[Incident, Role]:
    # What /incident list runs on every call, so one statement (not one per incident's roles), built once
    # (SQLAlchemy keys its compiled-statement cache on the statement), and `=`s joined by OR rather than
    # IN, whose list SQLAlchemy expands again on each execution. The statuses asked for, not the ones
    # left out, and no ORDER BY (sorted above, a few rows): both let SQLite and PostgreSQL read the few
    # open incidents through ix_incidents_status, where `!=` and ORDER BY id read every incident ever
    # declared (a year's 5,000: 4 to 10 ms a list on SQLite, against 1 to 3; bench/year).
    return (
        select(Incident, Role)
        .outerjoin(Role, col(Role.incident_id) == col(Incident.id))
        .where(or_(*(col(Incident.status) == status for status in statuses)))
    )


async def list_roles(session: AsyncSession, incident_id: int) -> Sequence[Role]:
    return (await session.exec(select(Role).where(Role.incident_id == incident_id))).all()


async def upsert_role(session: AsyncSession, role: Role) -> Role | None:
    """Store the role holder; returns the previous holder's row, if any."""
    existing = await session.get(Role, (role.incident_id, role.role))
    previous = Role.model_validate(existing) if existing else None
    if existing is None:
        session.add(role)
    else:
        existing.user_id, existing.assigned_by, existing.assigned_at = (
            role.user_id,
            role.assigned_by,
            role.assigned_at,
        )
    await session.flush()
    return previous


async def count_by_severity(
    session: AsyncSession, statuses: Sequence[str], *, include_private: bool = True
) -> dict[str, int]:
    query = (
        select(Incident.severity, func.count())
        .where(col(Incident.status).in_(statuses))
        .group_by(col(Incident.severity))
    )
    if not include_private:
        query = query.where(col(Incident.is_private).is_(False))
    return {severity: count for severity, count in (await session.exec(query)).all()}


async def list_roles_of(session: AsyncSession, incident_ids: Sequence[int]) -> Sequence[Role]:
    if not incident_ids:
        return []
    return (await session.exec(select(Role).where(col(Role.incident_id).in_(incident_ids)))).all()


async def list_recent_in(session: AsyncSession, statuses: Sequence[str], *, limit: int) -> Sequence[Incident]:
    """The latest incidents with these statuses, newest first."""
    query = select(Incident).where(col(Incident.status).in_(statuses)).order_by(col(Incident.id).desc()).limit(limit)
    return (await session.exec(query)).all()


async def list_private(session: AsyncSession) -> Sequence[Incident]:
    """Every private incident: who may see which is bot/visibility.py's to decide."""
    return (await session.exec(select(Incident).where(col(Incident.is_private).is_(True)))).all()
