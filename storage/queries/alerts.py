"""Alerts and their groups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Alert, AlertGroup, Incident

# Any constant works; it only has to differ from the other advisory locks the bot takes.
_INGESTION_LOCK = 0x0A1E27


async def lock_ingestion(session: AsyncSession) -> None:
    """Serialize alert ingestion across replicas until this transaction ends.

    Storm counting and "does this group already have an incident?" are read-then-write decisions;
    two replicas receiving the same group at once must not both open an incident. SQLite needs
    nothing here: its write transactions already run one at a time (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=_INGESTION_LOCK))  # type: ignore[call-overload]


async def get_alerts(session: AsyncSession, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Alert]:
    """Stored alerts by (source, fingerprint); one query for a whole delivery."""
    if not keys:
        return {}
    sources = {source for source, _ in keys}
    fingerprints = {fingerprint for _, fingerprint in keys}
    query = select(Alert).where(col(Alert.source).in_(sources), col(Alert.fingerprint).in_(fingerprints))
    return {(alert.source, alert.fingerprint): alert for alert in (await session.exec(query)).all()}


def add(session: AsyncSession, row: Alert) -> None:
    """Stored when the transaction flushes: a delivery's rows go to the database together."""
    session.add(row)


async def insert(session: AsyncSession, row: Alert | AlertGroup) -> None:
    session.add(row)
    await session.flush()


async def get_group(session: AsyncSession, source: str, group_key: str) -> AlertGroup | None:
    query = select(AlertGroup).where(AlertGroup.source == source, AlertGroup.group_key == group_key)
    return (await session.exec(query)).first()


async def get_group_by_id(session: AsyncSession, group_id: int) -> AlertGroup | None:
    return await session.get(AlertGroup, group_id)


async def list_incident_alerts(session: AsyncSession, incident_id: int) -> Sequence[Alert]:
    query = select(Alert).where(Alert.incident_id == incident_id).order_by(col(Alert.starts_at), col(Alert.id))
    return (await session.exec(query)).all()


async def list_group_alerts(session: AsyncSession, group_id: int) -> Sequence[Alert]:
    query = select(Alert).where(Alert.group_id == group_id).order_by(col(Alert.starts_at), col(Alert.id))
    return (await session.exec(query)).all()


async def count_firing(session: AsyncSession, incident_id: int) -> int:
    query = select(func.count()).select_from(Alert).where(Alert.incident_id == incident_id, Alert.status == "firing")
    return int((await session.exec(query)).one())


async def count_incidents_opened_by_alerts(session: AsyncSession, since: datetime) -> int:
    query = (
        select(func.count())
        .select_from(Incident)
        .where(
            Incident.origin != "slack",
            col(Incident.is_storm).is_(False),
            col(Incident.declared_at) >= since,
        )
    )
    return int((await session.exec(query)).one())


async def open_storm_incident(session: AsyncSession, closed_statuses: Sequence[str]) -> Incident | None:
    query = (
        select(Incident)
        .where(col(Incident.is_storm).is_(True), col(Incident.status).not_in(closed_statuses))
        .order_by(col(Incident.id).desc())
    )
    return (await session.exec(query)).first()


async def runbook_in_incident(session: AsyncSession, incident_id: int, url: str, *, other_than: int) -> bool:
    query = select(Alert.id).where(Alert.incident_id == incident_id, Alert.runbook_url == url, Alert.id != other_than)
    return (await session.exec(query.limit(1))).first() is not None
