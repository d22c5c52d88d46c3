"""Cached Slack user names."""

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


async def remember(session: AsyncSession, user_id: str, name: str) -> None:
    row = await session.get(SlackUser, user_id)
    if row is None:
        session.add(SlackUser(id=user_id, name=name))
    else:
        row.name, row.fetched_at = name, utcnow()
    await session.flush()
