"""Retention's deletes and `db stats`' counts: each delete takes one bounded batch, chosen by id first.

Every function here runs inside the caller's transaction and deletes at most `limit` rows of its kind (an alert
group counts with its alerts), so a batch holds its locks for milliseconds and a replica that dies mid-batch
leaves the whole batch undone. The DELETE repeats the select's condition: a row that changed in between stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, case, delete, exists, func, or_, text
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries.alerts import lock_ingestion
from storage.queries.dialect import dialect
from storage.queries.outbox import DONE
from storage.queries.slos import latest_evaluation
from storage.tables import (
    Alert,
    AlertGroup,
    AlertRollup,
    FollowUp,
    Incident,
    MaintenanceHeld,
    OutboxEntry,
    ProcessedEvent,
    Reminder,
    Silence,
    SloEvaluation,
    SloEvent,
)

HOUR, DAY = "hour", "day"


async def delete_processed_events(session: AsyncSession, *, before: datetime, limit: int) -> int:
    # A key claimed again meanwhile (claim_key takes an old one over) has a new received_at and stays.
    old = col(ProcessedEvent.received_at) < before
    return await _delete_chosen(session, ProcessedEvent, col(ProcessedEvent.event_id), old, limit, oldest_first=False)


async def _delete_chosen(
    session: AsyncSession, table: type[SQLModel], key: Any, condition: Any, limit: int, *, oldest_first: bool = True
) -> int:
    """Up to `limit` rows matching `condition`, chosen by key first, deleted if they still match it."""
    chosen = select(key).where(condition)
    # By id: the oldest rows come first, so the primary key finds them without an index of their own.
    keys = (await session.exec((chosen.order_by(key) if oldest_first else chosen).limit(limit))).all()
    if not keys:
        return 0
    deleted = await session.exec(delete(table).where(key.in_(keys), condition))
    return int(deleted.rowcount)


async def delete_done_outbox(session: AsyncSession, *, before: datetime, limit: int) -> int:
    done = (col(OutboxEntry.state) == DONE) & (col(OutboxEntry.done_at) < before)
    return await _delete_chosen(session, OutboxEntry, col(OutboxEntry.id), done, limit)


@dataclass(frozen=True)
class GroupsDeleted:
    groups: int
    alerts: int
    rollups: int
    # The last group id looked at, for the next batch to start after; None once the table's end was reached.
    scanned_to: int | None


def _forgettable_groups(before: datetime) -> Any:
    """Groups no incident, silence or maintenance window needs, whose alerts all resolved before `before`."""
    lasting = or_(
        col(Alert.status) != "resolved",
        col(Alert.incident_id).is_not(None),
        col(Alert.changed_at) >= before,
        col(Alert.last_received_at) >= before,
    )
    held = (
        select(MaintenanceHeld.id)
        .join(Alert, col(Alert.id) == col(MaintenanceHeld.alert_id))
        .where(col(Alert.group_id) == col(AlertGroup.id))
    )
    return (
        col(AlertGroup.incident_id).is_(None)
        & (col(AlertGroup.created_at) < before)
        & ~exists(select(Alert.id).where(col(Alert.group_id) == col(AlertGroup.id), lasting))
        & ~exists(select(Silence.id).where(col(Silence.group_id) == col(AlertGroup.id)))
        & ~exists(held)
    )


async def delete_alert_groups(
    session: AsyncSession, *, before: datetime, after_id: int, scan: int, limit: int
) -> GroupsDeleted:
    """Delete up to `limit` forgettable groups among the next `scan` group ids after `after_id`, with their alerts
    and the storm rollups they leave empty: a group and its alerts go in one transaction, never one without the
    other. Groups that stay (an incident's) are stepped over by id, so a batch reads a bounded range."""
    # Ingestion decides "does this group exist?" under this lock: a group is not deleted under an arriving alert.
    await lock_ingestion(session)
    window = select(AlertGroup.id).where(col(AlertGroup.id) > after_id).order_by(col(AlertGroup.id)).limit(scan)
    scanned = [group_id for group_id in (await session.exec(window)).all() if group_id is not None]
    if not scanned:
        return GroupsDeleted(0, 0, 0, None)
    in_window = (col(AlertGroup.id) > after_id) & (col(AlertGroup.id) <= scanned[-1])
    query = select(AlertGroup.id, AlertGroup.rollup_id).where(in_window, _forgettable_groups(before))
    found = (await session.exec(query.order_by(col(AlertGroup.id)).limit(limit))).all()
    # A full batch ends where it stopped, so the next one looks at the rest of this window; a short window
    # was the table's end, and the next batch starts again from its beginning.
    end = found[-1][0] if len(found) == limit else (scanned[-1] if len(scanned) == scan else None)
    if not found:
        return GroupsDeleted(0, 0, 0, end)
    ids = [group_id for group_id, _ in found]
    alerts = await session.exec(delete(Alert).where(col(Alert.group_id).in_(ids)))
    groups = await session.exec(delete(AlertGroup).where(col(AlertGroup.id).in_(ids)))
    rollups = await _delete_empty_rollups(session, {rollup for _, rollup in found if rollup is not None}, before)
    return GroupsDeleted(int(groups.rowcount), int(alerts.rowcount), rollups, end)


async def _delete_empty_rollups(session: AsyncSession, rollup_ids: set[int], before: datetime) -> int:
    if not rollup_ids:
        return 0
    has_group = exists(select(AlertGroup.id).where(col(AlertGroup.rollup_id) == col(AlertRollup.id)))
    deleted = await session.exec(
        delete(AlertRollup).where(
            col(AlertRollup.id).in_(rollup_ids), col(AlertRollup.last_joined_at) < before, ~has_group
        )
    )
    return int(deleted.rowcount)


def _bucket(session: AsyncSession, size: str) -> Any:
    at = col(SloEvaluation.at)
    if dialect(session) == "postgresql":
        return func.date_trunc(size, func.timezone("UTC", at))
    # SQLite keeps UTC times as text, 'YYYY-MM-DD HH:MM:SS…': the hour is its first 13 characters, the day 10.
    return func.substr(at, 1, 13 if size == HOUR else 10)


async def oldest_evaluation_at(session: AsyncSession) -> datetime | None:
    return (await session.exec(select(func.min(SloEvaluation.at)))).first()


async def latest_evaluation_ids(session: AsyncSession, slos: Sequence[str]) -> set[int]:
    """Each SLO's latest evaluation and its latest with data: reports show the one, burn alerts go on from the
    other, so downsampling keeps both even when an SLO was last evaluated long ago."""
    kept = set()
    for slo in slos:
        for with_data in (False, True):
            evaluation = await latest_evaluation(session, slo, with_data=with_data)
            if evaluation is not None and evaluation.id is not None:
                kept.add(evaluation.id)
    return kept


async def downsample_slo_evaluations(
    session: AsyncSession, *, size: str, since: datetime | None, before: datetime, limit: int, keep: set[int]
) -> int:
    """Delete up to `limit` evaluations in [since, before) that are not the one kept for their SLO's hour (day).

    The one kept is the bucket's latest that had data (else its latest): so the latest evaluation of an SLO and
    its latest with data, which burn alerts start from, are never deleted, and the charts keep one point a bucket.
    """
    at = col(SloEvaluation.at)
    rank = func.row_number().over(
        partition_by=(col(SloEvaluation.slo), _bucket(session, size)),
        order_by=(case((col(SloEvaluation.attainment).is_(None), 1), else_=0), at.desc(), col(SloEvaluation.id).desc()),
    )
    ranked = sa_select(col(SloEvaluation.id).label("id"), rank.label("rank")).where(at < before)
    if since is not None:
        ranked = ranked.where(at >= since)
    inner = ranked.subquery()
    query = sa_select(inner.c.id).where(inner.c.rank > 1, inner.c.id.not_in(keep)).order_by(inner.c.id).limit(limit)
    ids = [row[0] for row in (await session.exec(query)).all()]  # type: ignore[call-overload]
    if not ids:
        return 0
    deleted = await session.exec(delete(SloEvaluation).where(col(SloEvaluation.id).in_(ids)))
    return int(deleted.rowcount)


async def delete_slo_events(session: AsyncSession, *, before: datetime, limit: int) -> int:
    return await _delete_chosen(session, SloEvent, col(SloEvent.id), col(SloEvent.at) < before, limit)


def _spent_reminders(before: datetime) -> Any:
    """Reminders that can no longer be sent: their incident closed, its postmortem drafted, their follow-up done."""
    closed = select(Incident.id).where(col(Incident.status) == "closed", col(Incident.closed_at) < before)
    drafted = select(Incident.id).where(col(Incident.postmortem_drafted_at) < before)
    done = select(FollowUp.id).where(col(FollowUp.state) == "done", col(FollowUp.done_at) < before)
    subject = col(Reminder.subject_id)
    return or_(
        col(Reminder.kind).in_(("status_nudge", "postmortem_due")) & subject.in_(closed),
        (col(Reminder.kind) == "postmortem_due") & subject.in_(drafted),
        (col(Reminder.kind) == "follow_up") & subject.in_(done),
    )


async def delete_spent_reminders(session: AsyncSession, *, before: datetime, limit: int) -> int:
    return await _delete_chosen(session, Reminder, col(Reminder.id), _spent_reminders(before), limit)


@dataclass(frozen=True)
class TableStats:
    name: str
    rows: int
    # On disk with its indexes; None where the database cannot tell one table from another (SQLite without dbstat).
    size_bytes: int | None


def _tables() -> Sequence[Table]:
    return SQLModel.metadata.sorted_tables


async def _scalar(session: AsyncSession, sql: str, **params: object) -> Any:
    query = text(sql).bindparams(**params) if params else text(sql)
    return (await session.exec(query)).scalar_one()  # type: ignore[call-overload]


async def table_stats(session: AsyncSession) -> tuple[list[TableStats], int]:
    """Each table's rows and size, and the whole database's size in bytes."""
    counts = {}
    for table in _tables():
        counts[table.name] = int((await session.exec(sa_select(func.count()).select_from(table))).scalar_one())  # type: ignore[call-overload]
    if dialect(session) == "postgresql":
        sizes = {
            name: int(await _scalar(session, "SELECT pg_total_relation_size(CAST(:name AS regclass))", name=name))
            for name in counts
        }
        total = int(await _scalar(session, "SELECT pg_database_size(current_database())"))
        return [TableStats(name, rows, sizes[name]) for name, rows in counts.items()], total
    total = int(await _scalar(session, "PRAGMA page_size")) * int(await _scalar(session, "PRAGMA page_count"))
    per_table = await _sqlite_dbstat(session)
    stats = [
        TableStats(name, rows, None if per_table is None else per_table.get(name, 0)) for name, rows in counts.items()
    ]
    return stats, total


async def _sqlite_dbstat(session: AsyncSession) -> dict[str, int] | None:
    """Bytes per table, its indexes included, from SQLite's dbstat table; None when this SQLite lacks it."""
    options = await session.exec(text("PRAGMA compile_options"))  # type: ignore[call-overload]
    if "ENABLE_DBSTAT_VTAB" not in {row[0] for row in options.all()}:
        return None
    rows = await session.exec(
        text(
            "SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat AS d JOIN sqlite_master AS m ON m.name = d.name"
            " GROUP BY m.tbl_name"
        )
    )  # type: ignore[call-overload]
    return {name: int(size) for name, size in rows.all()}
