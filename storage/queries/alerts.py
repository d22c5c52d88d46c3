"""Alerts and their groups."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, text
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select  # sqlmodel's select types at most four columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Alert, AlertGroup, AlertRollup, Incident

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


async def insert_new(session: AsyncSession, rows: Sequence[Alert]) -> None:
    """New alerts in one statement, outside the session's unit of work (a storm's thousands of rows cost a
    flush each there); the rows keep no id."""
    if rows:
        params = [{name: getattr(row, name) for name in _ALERT_COLUMNS} for row in rows]
        await session.exec(sa_insert(Alert.__table__), params=params)  # type: ignore[attr-defined]


_ALERT_COLUMNS = [column.key for column in Alert.__table__.columns if column.key != "id"]  # type: ignore[attr-defined]


async def insert(session: AsyncSession, row: Alert | AlertGroup | AlertRollup) -> None:
    session.add(row)
    await session.flush()


async def insert_all(session: AsyncSession, rows: Sequence[AlertGroup]) -> None:
    """Many rows in one flush (one multi-row INSERT), so each has its id."""
    if rows:
        session.add_all(rows)
        await session.flush()


async def get_groups(session: AsyncSession, keys: Collection[tuple[str, str]]) -> dict[tuple[str, str], AlertGroup]:
    """Groups by (source, group_key); one query for a whole chunk of a delivery."""
    if not keys:
        return {}
    group_keys = {group_key for _, group_key in keys}
    query = select(AlertGroup).where(col(AlertGroup.group_key).in_(group_keys))
    found = {(group.source, group.group_key): group for group in (await session.exec(query)).all()}
    return {key: group for key, group in found.items() if key in keys}


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


async def runbooks_in_incident(session: AsyncSession, incident_id: int) -> dict[str, set[int]]:
    """The runbooks of an incident's stored alerts, each with the ids of the alerts that carry it."""
    query = select(Alert.runbook_url, Alert.id).where(
        Alert.incident_id == incident_id, col(Alert.runbook_url).is_not(None)
    )
    runbooks: dict[str, set[int]] = {}
    for url, alert_id in (await session.exec(query)).all():
        runbooks.setdefault(url or "", set()).add(alert_id or 0)
    return runbooks


async def count_groups_posted(session: AsyncSession, channel: str, since: datetime) -> int:
    """Groups given their own message in this channel since then, posted or still pending."""
    query = (
        select(func.count())
        .select_from(AlertGroup)
        .where(AlertGroup.channel == channel, col(AlertGroup.posted_at) >= since)
    )
    return int((await session.exec(query)).one())


async def get_open_rollup(session: AsyncSession, channel: str, since: datetime) -> AlertRollup | None:
    """The channel's newest rollup, if a group joined it since then."""
    query = (
        select(AlertRollup)
        .where(AlertRollup.channel == channel, col(AlertRollup.last_joined_at) >= since)
        .order_by(col(AlertRollup.id).desc())
    )
    return (await session.exec(query.limit(1))).first()


async def get_rollup(session: AsyncSession, rollup_id: int) -> AlertRollup | None:
    return await session.get(AlertRollup, rollup_id)


async def list_rollup_groups(session: AsyncSession, rollup_id: int) -> Sequence[AlertGroup]:
    query = select(AlertGroup).where(AlertGroup.rollup_id == rollup_id).order_by(col(AlertGroup.id))
    return (await session.exec(query)).all()


@dataclass(slots=True)
class RolledAlert:
    """What a rollup line needs of an alert: cheap to read by the thousand, every few seconds in a storm."""

    group_id: int
    status: str
    severity: str | None
    summary: str
    labels: dict[str, str]
    starts_at: datetime


async def list_rollup_alerts(session: AsyncSession, rollup_id: int) -> list[RolledAlert]:
    table = Alert.__table__  # type: ignore[attr-defined]
    groups = AlertGroup.__table__  # type: ignore[attr-defined]
    query = (
        sa_select(*(table.c[name] for name in RolledAlert.__slots__))
        .join(groups, groups.c.id == table.c.group_id)
        .where(groups.c.rollup_id == rollup_id)
    )
    rows = (await session.exec(query)).all()  # type: ignore[call-overload]
    return [RolledAlert(*row) for row in rows]


async def list_incidents(session: AsyncSession, incident_ids: Collection[int]) -> Sequence[Incident]:
    if not incident_ids:
        return []
    return (await session.exec(select(Incident).where(col(Incident.id).in_(incident_ids)))).all()


async def firing_of_source(session: AsyncSession, source: str, *, limit: int) -> list[tuple[Alert, str]]:
    """The firing alerts of a source with their group's key, the longest firing first, at most `limit`."""
    query = (
        select(Alert, AlertGroup.group_key)
        .join(AlertGroup, col(AlertGroup.id) == col(Alert.group_id))
        .where(Alert.source == source, Alert.status == "firing")
        .order_by(col(Alert.starts_at), col(Alert.id))
        .limit(limit)
    )
    return [(alert, group_key) for alert, group_key in (await session.exec(query)).all()]
