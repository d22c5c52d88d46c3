"""Slack's rate budgets shared by replicas: rows locked in one order, on the database's clock."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import delete, func, text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import PacingBudget

Bucket = tuple[float, float, float]  # tokens, at, blocked_until


async def server_now(session: AsyncSession) -> float:
    """The database's clock in epoch seconds: one clock for every replica, whatever their own say."""
    return float((await session.exec(text("SELECT extract(epoch from clock_timestamp())"))).scalar_one())  # type: ignore[call-overload]


async def ensure(session: AsyncSession, bursts: Mapping[str, float], now: float) -> None:
    """Create the missing budgets full; in a transaction of its own, so that it holds no lock for long."""
    if not bursts:
        return
    rows = [{"budget": name, "tokens": bursts[name], "at": now, "blocked_until": 0.0} for name in sorted(bursts)]
    await session.exec(insert(PacingBudget).values(rows).on_conflict_do_nothing(index_elements=["budget"]))


async def lock(session: AsyncSession, budgets: Collection[str]) -> dict[str, Bucket]:
    """Lock the budgets until commit, always in the same (sorted) order, so two replicas never deadlock."""
    if not budgets:
        return {}
    query = (
        select(
            col(PacingBudget.budget), col(PacingBudget.tokens), col(PacingBudget.at), col(PacingBudget.blocked_until)
        )
        .where(col(PacingBudget.budget).in_(sorted(budgets)))
        .order_by(col(PacingBudget.budget))
        .with_for_update()
    )
    rows = (await session.exec(query)).all()
    return {budget: (tokens, at, blocked) for budget, tokens, at, blocked in rows}


async def store(session: AsyncSession, buckets: Mapping[str, Bucket]) -> None:
    if not buckets:
        return
    rows = [
        {"budget": name, "tokens": tokens, "at": at, "blocked_until": blocked}
        for name, (tokens, at, blocked) in sorted(buckets.items())
    ]
    statement = insert(PacingBudget).values(rows)
    await session.exec(
        statement.on_conflict_do_update(
            index_elements=["budget"],
            set_={
                "tokens": statement.excluded.tokens,
                "at": statement.excluded.at,
                "blocked_until": statement.excluded.blocked_until,
            },
        )
    )


async def hold_off(session: AsyncSession, budget: str, *, seconds: float) -> None:
    """Slack said 429: nothing from this budget until `seconds` from now, for any replica."""
    now = await server_now(session)
    statement = insert(PacingBudget).values(budget=budget, tokens=0.0, at=now, blocked_until=now + seconds)
    await session.exec(
        statement.on_conflict_do_update(
            index_elements=["budget"],
            set_={
                "tokens": func.least(PacingBudget.tokens, 0.0),
                "blocked_until": func.greatest(PacingBudget.blocked_until, now + seconds),
            },
        )
    )


async def forget_idle(session: AsyncSession, *, before: float) -> None:
    """Budgets untouched since `before` are full again: a missing row means the same, and the table stays small."""
    idle = (
        select(col(PacingBudget.budget))
        .where(col(PacingBudget.at) < before, col(PacingBudget.blocked_until) < before)
        .with_for_update(skip_locked=True)
    )
    await session.exec(delete(PacingBudget).where(col(PacingBudget.budget).in_(idle.scalar_subquery())))
