"""Table model of Slack's rate budgets, shared by every replica on one PostgreSQL (bot/outbox/pacing.py)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class PacingBudget(SQLModel, table=True):
    """One token bucket: a channel's messages or a method's tier, as of `at` (the database's clock).

    Times are the server's epoch seconds, so replicas on machines whose clocks differ refill it alike.
    """

    __tablename__ = "pacing_budgets"

    budget: str = Field(primary_key=True)
    tokens: float
    at: float
    blocked_until: float = 0.0
