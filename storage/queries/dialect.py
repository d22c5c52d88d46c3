"""The one choice queries make by database: which dialect's INSERT (for ON CONFLICT, RETURNING)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession


def dialect(session: AsyncSession) -> str:
    return "postgresql" if session.bind and session.bind.dialect.name == "postgresql" else "sqlite"


def insert_for(session: AsyncSession) -> Any:
    """`insert` of the session's dialect: both have `on_conflict_do_nothing`, which the generic one lacks."""
    return postgresql.insert if dialect(session) == "postgresql" else sqlite.insert
