"""Outbox entries: pending side effects and their fate."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, text, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries.dialect import dialect
from storage.tables import OutboxEntry

PENDING, DONE, DEAD = "pending", "done", "dead"
# PostgreSQL tells idle workers of every replica that entries were written (storage/notify.py listens).
CHANNEL = "oncall_outbox"


async def insert_entries(session: AsyncSession, entries: Sequence[OutboxEntry]) -> None:
    session.add_all(entries)
    await session.flush()
    if dialect(session) == "postgresql":
        # Delivered at commit, and only if it commits: a worker woken by it sees the entries.
        await session.exec(text(f"NOTIFY {CHANNEL}"))  # type: ignore[call-overload]


async def list_due(session: AsyncSession, now: datetime, *, limit: int) -> Sequence[OutboxEntry]:
    """The first pending entry of each lane (their order matters) and any due entry without a lane."""
    earlier = aliased(OutboxEntry)
    has_earlier_pending = (
        select(earlier.id)
        .where(
            earlier.lane == OutboxEntry.lane,
            earlier.state == PENDING,
            col(earlier.id) < OutboxEntry.id,
        )
        .exists()
    )
    unleased = (col(OutboxEntry.lease_until).is_(None)) | (col(OutboxEntry.lease_until) < now)
    query = (
        select(OutboxEntry)
        .where(OutboxEntry.state == PENDING, col(OutboxEntry.not_before) <= now, unleased, ~has_earlier_pending)
        # An incident's channel before any alerts channel: when Slack's budget is short, responders first.
        .order_by(col(OutboxEntry.incident_id).is_(None), col(OutboxEntry.id))
        .limit(limit)
    )
    return (await session.exec(query)).all()


async def defer(session: AsyncSession, entry_id: int, *, attempts: int, until: datetime, now: datetime) -> None:
    """Move a pending entry nobody performs to `until`, attempts untouched: it was not tried."""
    unleased = (col(OutboxEntry.lease_until).is_(None)) | (col(OutboxEntry.lease_until) < now)
    await session.exec(
        update(OutboxEntry)
        .where(
            col(OutboxEntry.id) == entry_id,
            col(OutboxEntry.state) == PENDING,
            col(OutboxEntry.attempts) == attempts,
            unleased,
        )
        .values(not_before=until)
    )


async def waiting(
    session: AsyncSession, kinds_in_lanes: Collection[tuple[str, str]], *, now: datetime
) -> set[tuple[str, str]]:
    """Which of these (kind, lane) pairs have a pending entry not due yet, which so cannot have started."""
    if not kinds_in_lanes:
        return set()
    query = select(OutboxEntry.kind, OutboxEntry.lane).where(
        OutboxEntry.state == PENDING,
        col(OutboxEntry.lane).in_({lane for _, lane in kinds_in_lanes}),
        col(OutboxEntry.not_before) > now,
    )
    found = {(kind, lane or "") for kind, lane in (await session.exec(query)).all()}
    return found & set(kinds_in_lanes)


async def next_due_at(session: AsyncSession, now: datetime) -> datetime | None:
    """When the next pending entry nobody is performing falls due."""
    unleased = (col(OutboxEntry.lease_until).is_(None)) | (col(OutboxEntry.lease_until) < now)
    query = select(func.min(OutboxEntry.not_before)).where(OutboxEntry.state == PENDING, unleased)
    return (await session.exec(query)).first()


async def lock_claimable(session: AsyncSession, listed: Mapping[int, int], *, now: datetime) -> Sequence[OutboxEntry]:
    """Lock, until commit, those of the listed entries (id: attempts) still pending and unleased, as listed.

    SKIP LOCKED: an entry another replica is claiming right now is left to it, without waiting.
    """
    if not listed:
        return []
    query = (
        select(OutboxEntry)
        .where(
            col(OutboxEntry.id).in_(listed),
            OutboxEntry.state == PENDING,
            (col(OutboxEntry.lease_until).is_(None)) | (col(OutboxEntry.lease_until) < now),
        )
        .order_by(col(OutboxEntry.incident_id).is_(None), col(OutboxEntry.id))
        .with_for_update(skip_locked=True)
    )
    return [
        entry
        for entry in (await session.exec(query)).all()
        if entry.id is not None and entry.attempts == listed[entry.id]
    ]


def lease(entry: OutboxEntry, *, owner: str, until: datetime) -> None:
    """Lease an entry `lock_claimable` locked, counting an attempt its last worker was interrupted in."""
    if entry.lease_owner is not None:
        entry.attempts += 1
        entry.last_error = f"interrupted: {entry.lease_owner} stopped during an attempt"
    entry.lease_owner, entry.lease_until = owner, until


async def list_lease_owners(session: AsyncSession, now: datetime) -> set[str]:
    """The workers that hold a lease which has not run out yet."""
    query = (
        select(OutboxEntry.lease_owner)
        .where(OutboxEntry.state == PENDING, col(OutboxEntry.lease_until) >= now)
        .distinct()
    )
    return {owner for owner in (await session.exec(query)).all() if owner is not None}


async def release_leases(session: AsyncSession, owner: str) -> int:
    """End every lease `owner` holds now, so that another worker takes the entry over (see `claim`)."""
    query = (
        select(OutboxEntry)
        .where(
            OutboxEntry.state == PENDING, OutboxEntry.lease_owner == owner, col(OutboxEntry.lease_until).is_not(None)
        )
        .with_for_update(skip_locked=True)
    )
    entries = (await session.exec(query)).all()
    for entry in entries:
        entry.lease_until = None  # the owner stays: lease() counts the attempt it interrupted
    return len(entries)


async def get_entry(session: AsyncSession, entry_id: int) -> OutboxEntry | None:
    return await session.get(OutboxEntry, entry_id)


async def count_by_state(session: AsyncSession) -> dict[str, int]:
    query = select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)
    return {state: count for state, count in (await session.exec(query)).all()}


async def list_entries(session: AsyncSession, *, incident_id: int | None = None) -> Sequence[OutboxEntry]:
    query = select(OutboxEntry).order_by(col(OutboxEntry.id))
    if incident_id is not None:
        query = query.where(OutboxEntry.incident_id == incident_id)
    return (await session.exec(query)).all()


async def oldest_pending_created_at(session: AsyncSession) -> datetime | None:
    query = select(func.min(OutboxEntry.created_at)).where(OutboxEntry.state == PENDING)
    return (await session.exec(query)).first()


async def list_dead(session: AsyncSession, entry_ids: Sequence[int] = ()) -> Sequence[OutboxEntry]:
    query = select(OutboxEntry).where(OutboxEntry.state == DEAD).order_by(col(OutboxEntry.id))
    if entry_ids:
        query = query.where(col(OutboxEntry.id).in_(entry_ids))
    return (await session.exec(query.with_for_update())).all()
