"""What maintenance windows read and write."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import MaintenanceState
from storage.queries.dialect import insert_for
from storage.tables import Alert, AlertGroup, MaintenanceHeld, MaintenanceWindow


async def add(session: AsyncSession, window: MaintenanceWindow) -> MaintenanceWindow:
    session.add(window)
    await session.flush()  # `/alert maintenance start` answers with the id `end` takes
    return window


async def add_occurrence(session: AsyncSession, values: dict[str, Any]) -> MaintenanceWindow | None:
    """A scheduled window's occurrence, or None when a replica or an earlier tick already started it.

    ON CONFLICT DO NOTHING on (name, starts_at): the occurrence is started once, whoever ticks.
    """
    statement = (
        insert_for(session)(MaintenanceWindow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["name", "starts_at"])
        .returning(col(MaintenanceWindow.id))
    )
    new_id = (await session.exec(statement)).scalar_one_or_none()
    return None if new_id is None else await session.get(MaintenanceWindow, new_id)


async def lock(session: AsyncSession, window_id: int) -> MaintenanceWindow | None:
    """The window's row, locked until the transaction ends: `end` and the tick never end it twice."""
    query = (
        select(MaintenanceWindow)
        .where(MaintenanceWindow.id == window_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.exec(query)).first()


async def active(session: AsyncSession, *, now: datetime) -> Sequence[MaintenanceWindow]:
    """Windows holding alerts now, the soonest to end first."""
    query = (
        select(MaintenanceWindow)
        .where(
            MaintenanceWindow.state == MaintenanceState.ACTIVE,
            col(MaintenanceWindow.starts_at) <= now,
            col(MaintenanceWindow.ends_at) > now,
        )
        .order_by(col(MaintenanceWindow.ends_at), col(MaintenanceWindow.id))
    )
    return (await session.exec(query)).all()


async def due_to_end(session: AsyncSession, *, now: datetime) -> Sequence[int]:
    """Ids of active windows past their end, for the leader's tick to end (each locked again by `lock`)."""
    query = select(MaintenanceWindow.id).where(
        MaintenanceWindow.state == MaintenanceState.ACTIVE, col(MaintenanceWindow.ends_at) <= now
    )
    return [window_id for window_id in (await session.exec(query)).all() if window_id is not None]


async def hold(session: AsyncSession, *, window_id: int, alert_id: int, now: datetime) -> None:
    """Records that the window holds the alert; holding it again (a re-fire) changes nothing."""
    statement = (
        insert_for(session)(MaintenanceHeld)
        .values(window_id=window_id, alert_id=alert_id, held_at=now)
        .on_conflict_do_nothing(index_elements=["window_id", "alert_id"])
    )
    await session.exec(statement)


async def held(session: AsyncSession, window_id: int) -> Sequence[MaintenanceHeld]:
    """The alerts a window holds and has not released, in the order they arrived (the rollup lists them)."""
    query = (
        select(MaintenanceHeld)
        .where(MaintenanceHeld.window_id == window_id, col(MaintenanceHeld.released_at).is_(None))
        .order_by(col(MaintenanceHeld.held_at), col(MaintenanceHeld.id))
    )
    return (await session.exec(query)).all()


async def held_alerts(session: AsyncSession, window_id: int, *, released: bool = False) -> Sequence[Alert]:
    """The alerts a window holds (with `released`: also those it held until it ended), in the order they arrived."""
    query = (
        select(Alert)
        .join(MaintenanceHeld, col(MaintenanceHeld.alert_id) == col(Alert.id))
        .where(MaintenanceHeld.window_id == window_id)
        .order_by(col(MaintenanceHeld.held_at), col(MaintenanceHeld.id))
    )
    if not released:
        query = query.where(col(MaintenanceHeld.released_at).is_(None))
    return (await session.exec(query)).all()


async def held_with_group_keys(session: AsyncSession, window_id: int) -> list[tuple[Alert, str | None]]:
    """The alerts a window still holds, each with its group's key, in one query (a window may hold hundreds)."""
    query = (
        select(Alert, AlertGroup.group_key)
        .join(MaintenanceHeld, col(MaintenanceHeld.alert_id) == col(Alert.id))
        .outerjoin(AlertGroup, col(AlertGroup.id) == col(Alert.group_id))
        .where(MaintenanceHeld.window_id == window_id, col(MaintenanceHeld.released_at).is_(None))
        .order_by(col(MaintenanceHeld.held_at), col(MaintenanceHeld.id))
    )
    return [(alert, group_key) for alert, group_key in (await session.exec(query)).all()]


async def count_held(session: AsyncSession, window_ids: Sequence[int]) -> dict[int, int]:
    query = (
        select(MaintenanceHeld.window_id, func.count())
        .where(col(MaintenanceHeld.window_id).in_(window_ids), col(MaintenanceHeld.released_at).is_(None))
        .group_by(col(MaintenanceHeld.window_id))
    )
    return {window_id: count for window_id, count in (await session.exec(query)).all()}


async def release(session: AsyncSession, window_id: int, *, now: datetime) -> None:
    """The window's held alerts are its no longer: they are re-run through ingestion in this transaction."""
    statement = (
        update(MaintenanceHeld)
        .where(col(MaintenanceHeld.window_id) == window_id, col(MaintenanceHeld.released_at).is_(None))
        .values(released_at=now)
    )
    await session.exec(statement)


async def holding(session: AsyncSession, alert_id: int) -> set[int]:
    """The windows that hold the alert and have not released it."""
    query = select(MaintenanceHeld.window_id).where(
        MaintenanceHeld.alert_id == alert_id, col(MaintenanceHeld.released_at).is_(None)
    )
    return set((await session.exec(query)).all())
