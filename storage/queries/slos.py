"""SLO evaluations, pushed events, impacting incidents and digests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Alert, Incident, SloDigest, SloDigestRun, SloEvaluation, SloEvent


async def insert_evaluations(session: AsyncSession, evaluations: Sequence[SloEvaluation]) -> None:
    session.add_all(evaluations)
    await session.flush()


async def latest_evaluation(
    session: AsyncSession, slo: str, *, at_or_before: datetime | None = None, with_data: bool = False
) -> SloEvaluation | None:
    query = select(SloEvaluation).where(SloEvaluation.slo == slo)
    if with_data:
        query = query.where(col(SloEvaluation.attainment).is_not(None))
    if at_or_before is not None:
        query = query.where(SloEvaluation.at <= at_or_before)
    query = query.order_by(col(SloEvaluation.at).desc(), col(SloEvaluation.id).desc()).limit(1)
    return (await session.exec(query)).first()


async def budget_history(
    session: AsyncSession, slo: str, *, since: datetime, until: datetime
) -> Sequence[tuple[datetime, float]]:
    """(at, budget remaining) of the evaluations that had data, oldest first."""
    query = (
        select(SloEvaluation.at, SloEvaluation.budget_remaining)
        .where(
            SloEvaluation.slo == slo,
            SloEvaluation.at >= since,
            SloEvaluation.at <= until,
            col(SloEvaluation.budget_remaining).is_not(None),
        )
        .order_by(col(SloEvaluation.at))
    )
    return [(at, float(remaining)) for at, remaining in (await session.exec(query)).all() if remaining is not None]


async def insert_event(session: AsyncSession, event: SloEvent) -> SloEvent:
    session.add(event)
    await session.flush()
    return event


async def sum_events(session: AsyncSession, slo: str, *, after: datetime, until: datetime) -> tuple[int, int]:
    """Good and total pushed for `slo` in the window (after, until]."""
    query = select(func.coalesce(func.sum(SloEvent.good), 0), func.coalesce(func.sum(SloEvent.total), 0)).where(
        SloEvent.slo == slo, SloEvent.at > after, SloEvent.at <= until
    )
    good, total = (await session.exec(query)).one()
    return int(good), int(total)


async def incidents_overlapping(
    session: AsyncSession,
    services: Sequence[str],
    *,
    start: datetime,
    end: datetime,
    severities: Sequence[str] | None = None,
    include_private: bool = True,
) -> Sequence[Incident]:
    """Incidents of these services whose impact (detected → mitigated or resolved) overlaps [start, end)."""
    began = func.coalesce(Incident.detected_at, Incident.declared_at)
    ended = func.coalesce(Incident.mitigated_at, Incident.resolved_at)
    query = select(Incident).where(
        col(Incident.service).in_(services),
        began < end,
        or_(ended.is_(None), ended > start),
    )
    if severities is not None:
        query = query.where(col(Incident.severity).in_(severities))
    if not include_private:
        query = query.where(col(Incident.is_private).is_(False))
    return (await session.exec(query.order_by(began))).all()


async def opening_alerts(session: AsyncSession, incident_ids: Sequence[int]) -> dict[int, Alert]:
    """The first alert stored for each incident (the one that opened it, when an alert did), by incident."""
    if not incident_ids:
        return {}
    first = (
        select(func.min(Alert.id))
        .where(col(Alert.incident_id).in_(incident_ids))
        .group_by(col(Alert.incident_id))
        .scalar_subquery()
    )
    alerts = (await session.exec(select(Alert).where(col(Alert.id).in_(first)))).all()
    return {alert.incident_id: alert for alert in alerts if alert.incident_id is not None}


async def list_digests(session: AsyncSession) -> Sequence[SloDigest]:
    return (await session.exec(select(SloDigest).order_by(col(SloDigest.id)))).all()


async def insert_digest_run(session: AsyncSession, run: SloDigestRun) -> SloDigestRun:
    session.add(run)
    await session.flush()
    return run


async def get_digest_run(session: AsyncSession, run_id: int) -> SloDigestRun | None:
    return await session.get(SloDigestRun, run_id)
