"""What a report reads: the incidents, alerts, follow-ups, pages and SLO evaluations of a span of time.

Each query takes the whole span a report covers (its period and the one before, for the change), so a
report is a handful of queries however many incidents it counts; the figures are computed in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Alert, FollowUp, Incident, Page, SloEvaluation


def _of_services(services: Sequence[str]) -> list[Any]:
    """The clause keeping the named services' incidents; none (every incident) when no service is named."""
    return [col(Incident.service).in_(list(services))] if services else []


async def incidents(
    session: AsyncSession, *, start: datetime, end: datetime, services: Sequence[str] = ()
) -> Sequence[Incident]:
    """Incidents declared, resolved or drafted in [start, end), or still open at its end."""
    query = select(Incident).where(
        col(Incident.declared_at) < end,
        or_(
            col(Incident.declared_at) >= start,
            col(Incident.resolved_at).is_(None),
            col(Incident.resolved_at) >= start,
            col(Incident.postmortem_drafted_at) >= start,
        ),
    )
    return (await session.exec(query.where(*_of_services(services)).order_by(col(Incident.id)))).all()


async def alerts(session: AsyncSession, *, start: datetime, end: datetime) -> Sequence[Alert]:
    """Alerts received during [start, end): their services are labels, so the caller filters by them."""
    query = select(Alert).where(col(Alert.first_received_at) < end, col(Alert.last_received_at) >= start)
    return (await session.exec(query.order_by(col(Alert.id)))).all()


async def follow_ups(
    session: AsyncSession, *, start: datetime, end: datetime, services: Sequence[str] = ()
) -> Sequence[FollowUp]:
    """Follow-ups that existed and were not yet done at some moment of [start, end)."""
    query = (
        select(FollowUp)
        .join(Incident, col(Incident.id) == col(FollowUp.incident_id))
        .where(
            col(FollowUp.created_at) < end,
            or_(col(FollowUp.done_at).is_(None), col(FollowUp.done_at) >= start),
        )
    )
    ordered = query.where(*_of_services(services)).order_by(col(FollowUp.incident_id), col(FollowUp.number))
    return (await session.exec(ordered)).all()


async def pages(
    session: AsyncSession, *, start: datetime, end: datetime, services: Sequence[str] = ()
) -> Sequence[Page]:
    query = (
        select(Page)
        .join(Incident, col(Incident.id) == col(Page.incident_id))
        .where(col(Page.at) >= start, col(Page.at) < end)
    )
    return (await session.exec(query.where(*_of_services(services)).order_by(col(Page.at), col(Page.id)))).all()


async def last_evaluations(
    session: AsyncSession, *, start: datetime, end: datetime, services: Sequence[str] = ()
) -> Sequence[SloEvaluation]:
    """Each SLO's last evaluation in [start, end): where it stood when the period ended."""
    latest = (
        select(SloEvaluation.slo, func.max(SloEvaluation.at).label("at"))
        .where(col(SloEvaluation.at) >= start, col(SloEvaluation.at) < end)
        .group_by(col(SloEvaluation.slo))
        .subquery()
    )
    query = select(SloEvaluation).join(
        latest, (col(SloEvaluation.slo) == latest.c.slo) & (col(SloEvaluation.at) == latest.c.at)
    )
    if services:
        query = query.where(col(SloEvaluation.service).in_(list(services)))
    rows = (await session.exec(query.order_by(col(SloEvaluation.slo), col(SloEvaluation.id)))).all()
    # Two evaluations of one SLO at the same instant: the later row stands.
    return list({row.slo: row for row in rows}.values())


async def incident_times(session: AsyncSession, *, since: datetime) -> dict[str, dict[str, list[float]]]:
    """Seconds from declared to acknowledged and to resolved, by severity, of public incidents whose
    acknowledgement or resolve came after `since` (each time counted when it ended, as in a report)."""
    query = select(Incident.severity, Incident.declared_at, Incident.acknowledged_at, Incident.resolved_at).where(
        col(Incident.is_private).is_(False),
        or_(col(Incident.acknowledged_at) >= since, col(Incident.resolved_at) >= since),
    )
    found: dict[str, dict[str, list[float]]] = {"acknowledge": {}, "resolve": {}}
    for severity, declared, acknowledged, resolved in (await session.exec(query)).all():
        for kind, ended in (("acknowledge", acknowledged), ("resolve", resolved)):
            if ended is not None and ended >= since and ended >= declared:
                found[kind].setdefault(str(severity), []).append((ended - declared).total_seconds())
    return found
