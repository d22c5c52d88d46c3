"""What silences read and write."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import SilenceState
from storage.tables import Silence


async def add(session: AsyncSession, silence: Silence) -> Silence:
    session.add(silence)
    await session.flush()  # the id goes in the comment Alertmanager keeps, so the outbox can find it again
    return silence


async def get(session: AsyncSession, silence_id: int) -> Silence | None:
    return await session.get(Silence, silence_id)


async def by_am_id(session: AsyncSession, am_silence_id: str) -> Silence | None:
    query = select(Silence).where(Silence.am_silence_id == am_silence_id)
    return (await session.exec(query)).first()


async def not_ended(session: AsyncSession, *, now: datetime, limit: int = 50) -> Sequence[Silence]:
    """Pending and active silences that have not reached their end, the soonest to end first."""
    query = (
        select(Silence)
        .where(col(Silence.state).in_([SilenceState.PENDING, SilenceState.ACTIVE]), col(Silence.ends_at) > now)
        .order_by(col(Silence.ends_at), col(Silence.id))
        .limit(limit)
    )
    return (await session.exec(query)).all()


async def shown_on(
    session: AsyncSession, *, now: datetime, incident_id: int | None = None, group_id: int | None = None
) -> Sequence[Silence]:
    """The silences not yet ended that were made for an incident's alerts or a group's, to show on their message."""
    query = select(Silence).where(
        col(Silence.state).in_([SilenceState.PENDING, SilenceState.ACTIVE]),
        col(Silence.ends_at) > now,
        col(Silence.ended_at).is_(None),  # the leader's tick found its end (its clock may run ahead of ours)
    )
    if incident_id is not None:
        query = query.where(Silence.incident_id == incident_id)
    else:
        query = query.where(Silence.group_id == group_id)
    return (await session.exec(query.order_by(col(Silence.ends_at)))).all()


async def lock_ending(session: AsyncSession, *, now: datetime, before: timedelta) -> Sequence[Silence]:
    """Active silences ending within `before` whose channel was not told yet, locked until the transaction ends.

    A silence that lasts no longer than `before` is left out: it was made knowing how short it is.
    """
    query = (
        select(Silence)
        .where(
            Silence.state == SilenceState.ACTIVE,
            col(Silence.warned_at).is_(None),
            col(Silence.ends_at) > now,
            col(Silence.ends_at) <= now + before,
        )
        .order_by(col(Silence.id))
        .with_for_update()
        .execution_options(populate_existing=True)  # read again under the lock: another replica may have told
    )
    return [silence for silence in (await session.exec(query)).all() if silence.ends_at - silence.starts_at > before]


async def lock_ended(session: AsyncSession, *, now: datetime) -> Sequence[Silence]:
    """Silences that reached their end (not expired from Slack) and whose end was not shown yet, locked."""
    query = (
        select(Silence)
        .where(
            col(Silence.state).in_([SilenceState.PENDING, SilenceState.ACTIVE]),
            col(Silence.ended_at).is_(None),
            col(Silence.ends_at) <= now,
        )
        .order_by(col(Silence.id))
        .with_for_update()
        .execution_options(populate_existing=True)  # read again under the lock: another replica may have shown it
    )
    return (await session.exec(query)).all()


async def silencing_since(session: AsyncSession, *, now: datetime, since: datetime) -> Sequence[Silence]:
    """Silences made in Alertmanager that are in effect, or ended or were expired after `since`."""
    ended_after = or_(
        and_(col(Silence.state) == SilenceState.ACTIVE, col(Silence.ends_at) > since),
        and_(col(Silence.state) == SilenceState.EXPIRED, col(Silence.expired_at) > since),
    )
    query = select(Silence).where(col(Silence.am_silence_id).is_not(None), ended_after).order_by(col(Silence.id))
    return (await session.exec(query)).all()
