"""What heartbeats read and write: one row per configured heartbeat, locked while a beat or a raise decides."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries.dialect import insert_for
from storage.tables import Heartbeat


async def add_missing(session: AsyncSession, names: Collection[str], now: datetime) -> None:
    """A row for each name that has none, watched from `now`; rows already there are left as they are.

    ON CONFLICT DO NOTHING: replicas starting together insert the same names, and neither fails.
    """
    if not names:
        return
    rows = [{"name": name, "watched_from": now, "paused": False, "raised": False} for name in sorted(names)]
    statement = insert_for(session)(Heartbeat).values(rows).on_conflict_do_nothing(index_elements=["name"])
    await session.exec(statement)


async def lock(session: AsyncSession, name: str) -> Heartbeat | None:
    """The heartbeat's row, locked until the transaction ends: a beat and a raise never decide at once."""
    # populate_existing: a row read earlier in the transaction is read again, now that it is locked.
    query = select(Heartbeat).where(Heartbeat.name == name).with_for_update().execution_options(populate_existing=True)
    return (await session.exec(query)).first()


async def lock_all(session: AsyncSession, names: Collection[str]) -> Sequence[Heartbeat]:
    """These heartbeats' rows, all locked at once in name order, before anything else is locked.

    The tick locks what it may raise before ingestion takes its lock: a beat holds its row and then waits for
    ingestion's, so a tick that took ingestion's lock first and a row after could wait for it forever.
    """
    if not names:
        return []
    query = (
        select(Heartbeat)
        .where(col(Heartbeat.name).in_(names))
        .order_by(col(Heartbeat.name))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.exec(query)).all()


async def all_of(session: AsyncSession, names: Collection[str]) -> Sequence[Heartbeat]:
    """The rows of these heartbeats, by name (read without locks)."""
    query = select(Heartbeat).where(col(Heartbeat.name).in_(names)).order_by(col(Heartbeat.name))
    return (await session.exec(query)).all()
