"""Timeline entries and processed Slack events."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select  # sqlmodel's select types at most four columns
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries.dialect import dialect, insert_for
from storage.tables import ProcessedEvent, TimelineEntry
from storage.types import utcnow


async def insert_entry(session: AsyncSession, entry: TimelineEntry) -> TimelineEntry:
    session.add(entry)
    await session.flush()
    return entry


async def insert_entries(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store many new entries, given as column values, in one statement; no table models are built."""
    if rows:
        await session.exec(sa_insert(TimelineEntry.__table__), params=rows)  # type: ignore[attr-defined]


def add_entry(session: AsyncSession, entry: TimelineEntry) -> None:
    """Stored with the transaction's next flush."""
    session.add(entry)


async def get_entry_by_ts(session: AsyncSession, channel_id: str, slack_ts: str) -> TimelineEntry | None:
    query = select(TimelineEntry).where(TimelineEntry.channel_id == channel_id, TimelineEntry.slack_ts == slack_ts)
    return (await session.exec(query)).first()


async def list_entries(
    session: AsyncSession, incident_id: int, *, include_deleted: bool = False, last: int | None = None
) -> Sequence[TimelineEntry]:
    """Entries in time order; `last` keeps only the newest ones."""
    if include_deleted:
        query = select(TimelineEntry).where(TimelineEntry.incident_id == incident_id)
    else:
        query = select(TimelineEntry).where(*_visible(incident_id))
    if last is None:
        return (await session.exec(query.order_by(col(TimelineEntry.at), col(TimelineEntry.id)))).all()
    newest = (
        await session.exec(query.order_by(col(TimelineEntry.at).desc(), col(TimelineEntry.id).desc()).limit(last))
    ).all()
    return list(reversed(newest))


@dataclass(slots=True)
class EntryRow:
    """A timeline entry as read for rendering: plain attributes, cheap to build by the ten thousand."""

    at: datetime
    kind: str
    author: str | None
    text: str
    slack_ts: str | None
    thread_ts: str | None
    is_edited: bool
    is_deleted: bool
    has_original: bool
    highlighted: bool


async def list_entry_rows(session: AsyncSession, incident_id: int) -> list[EntryRow]:
    """Every entry, deleted ones too, in time order; much faster than ORM objects for a big incident."""
    table = TimelineEntry.__table__  # type: ignore[attr-defined]
    query = (
        sa_select(*(table.c[name] for name in EntryRow.__slots__))
        .where(table.c.incident_id == incident_id)
        .order_by(table.c.at, table.c.id)
    )
    rows = (await session.exec(query)).all()  # type: ignore[call-overload]
    return [EntryRow(*row) for row in rows]


async def count_entries(session: AsyncSession, incident_id: int) -> int:
    """How many entries people can see."""
    query = select(func.count()).select_from(TimelineEntry).where(*_visible(incident_id))
    return (await session.exec(query)).one()


def _visible(incident_id: int) -> tuple[Any, ...]:
    return (
        TimelineEntry.incident_id == incident_id,
        col(TimelineEntry.is_deleted).is_(False),
        col(TimelineEntry.has_original).is_(True),
    )


async def claim_event(session: AsyncSession, event_id: str) -> bool:
    """Record a Slack event id; False when it was already processed (a retry)."""
    insert = insert_for(session)
    statement = (
        insert(ProcessedEvent)
        .values(event_id=event_id)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(col(ProcessedEvent.event_id))
    )
    result = await session.exec(statement)
    return result.first() is not None


async def get_entries_by_ts(
    session: AsyncSession, channel_id: str, slack_ts: Collection[str]
) -> dict[str, TimelineEntry]:
    """The entries of these messages of one channel, by ts; one query for a batch of events."""
    query = select(TimelineEntry).where(
        TimelineEntry.channel_id == channel_id, col(TimelineEntry.slack_ts).in_(list(slack_ts))
    )
    return {entry.slack_ts: entry for entry in (await session.exec(query)).all() if entry.slack_ts is not None}


async def insert_entries_unless_stored(
    session: AsyncSession, rows: Sequence[Mapping[str, Any]]
) -> set[tuple[str, str]]:
    """Store new message entries, given as column values, except where the channel already has an entry
    for that ts; the (channel_id, slack_ts) of those stored. One statement, no table models built."""
    if not rows:
        return set()
    statement = _INSERT_NEW_ENTRIES[dialect(session)]
    return {(channel_id, slack_ts) for channel_id, slack_ts in await session.exec(statement, params=rows)}


async def claim_events(session: AsyncSession, event_ids: Collection[str]) -> set[str]:
    """Record Slack event ids; those that were not processed before (the rest are retries)."""
    if not event_ids:
        return set()
    rows = [{"event_id": event_id, "received_at": utcnow()} for event_id in dict.fromkeys(event_ids)]
    return {event_id for (event_id,) in await session.exec(_CLAIM_EVENTS[dialect(session)], params=rows)}


def _insert_or_ignore(table: Any, unique: list[str], returning: list[str]) -> dict[str, Any]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING, for each dialect. Built once: on the table rather than the
    model, and run with one parameter set per row, each compiles once whatever the number of rows."""
    return {
        name: insert(table).on_conflict_do_nothing(index_elements=unique).returning(*(table.c[c] for c in returning))
        for name, insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert))
    }


_INSERT_NEW_ENTRIES = _insert_or_ignore(
    TimelineEntry.__table__,  # type: ignore[attr-defined]
    ["channel_id", "slack_ts"],
    ["channel_id", "slack_ts"],
)
_CLAIM_EVENTS = _insert_or_ignore(ProcessedEvent.__table__, ["event_id"], ["event_id"])  # type: ignore[attr-defined]
