"""Web sessions and sign-ins under way, found by the hash of the key the browser holds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import WebSession, WebSignIn


async def add_sign_in(session: AsyncSession, state_hash: str, nonce: str, *, now: datetime) -> None:
    session.add(WebSignIn(state_hash=state_hash, nonce=nonce, created_at=now))


async def take_sign_in(session: AsyncSession, state_hash: str, *, started_after: datetime) -> str | None:
    """The sign-in's nonce, once: the row is deleted as it is read, so a state cannot be used twice."""
    taken = await session.exec(
        delete(WebSignIn)
        .where(col(WebSignIn.state_hash) == state_hash, col(WebSignIn.created_at) > started_after)
        .returning(col(WebSignIn.nonce))
    )
    return taken.scalar_one_or_none()


async def add_session(session: AsyncSession, key_hash: str, *, user_id: str, team_id: str, now: datetime) -> None:
    session.add(WebSession(key_hash=key_hash, user_id=user_id, team_id=team_id, created_at=now, last_seen_at=now))


async def get_session(session: AsyncSession, key_hash: str) -> WebSession | None:
    return await session.get(WebSession, key_hash)


async def touch_session(session: AsyncSession, key_hash: str, *, now: datetime) -> None:
    await session.exec(update(WebSession).where(col(WebSession.key_hash) == key_hash).values(last_seen_at=now))


async def end_session(session: AsyncSession, key_hash: str) -> None:
    await session.exec(delete(WebSession).where(col(WebSession.key_hash) == key_hash))


async def forget_expired(
    session: AsyncSession, *, seen_before: datetime, created_before: datetime, sign_ins_before: datetime
) -> None:
    """Sessions nobody can use any more, and sign-ins nobody finished: the tables stay as small as their use."""
    await session.exec(
        delete(WebSession).where(
            or_(col(WebSession.last_seen_at) < seen_before, col(WebSession.created_at) < created_before)
        )
    )
    await session.exec(delete(WebSignIn).where(col(WebSignIn.created_at) < sign_ins_before))
