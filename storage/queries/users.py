"""Cached Slack user names and time zones."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import SlackUser
from storage.types import utcnow


async def names(session: AsyncSession, user_ids: Iterable[str], *, fetched_since: datetime) -> dict[str, str]:
    """Cached names fetched since the given time; older ones count as unknown (people rename)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    query = select(SlackUser).where(col(SlackUser.id).in_(wanted), col(SlackUser.fetched_at) >= fetched_since)
    rows = (await session.exec(query)).all()
    return {row.id: row.name for row in rows}


async def zones(session: AsyncSession, user_ids: Iterable[str]) -> dict[str, str]:
    """The time zones users.info gave for these people, however old (people rarely move)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    query = select(SlackUser.id, SlackUser.tz).where(col(SlackUser.id).in_(wanted), col(SlackUser.tz).is_not(None))
    return {user: tz for user, tz in (await session.exec(query)).all() if tz}


async def remember(session: AsyncSession, user_id: str, name: str, *, tz: str | None = None) -> None:
    row = await session.get(SlackUser, user_id)
    if row is None:
        session.add(SlackUser(id=user_id, name=name, tz=tz))
    else:
        row.name, row.fetched_at = name, utcnow()
        row.tz = tz or row.tz
    await session.flush()
