"""Timeline entries and processed Slack events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select  # sqlmodel's select types at most four columns
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import ProcessedEvent, TimelineEntry


async def insert_entry(session: AsyncSession, entry: TimelineEntry) -> TimelineEntry:
    session.add(entry)
    await session.flush()
    return entry


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
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ProcessedEvent)
        .values(event_id=event_id)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(col(ProcessedEvent.event_id))
    )
    result = await session.exec(statement)
    return result.first() is not None
