"""Alembic environment: runs on the connection storage.migrate hands over, sync or async."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  registers the tables on SQLModel.metadata

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `oncall-bot db upgrade`, which provides the connection")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    # On PostgreSQL (SQLite's arrive inside storage.migrate's one transaction): a migration that builds an
    # index online commits, so each migration commits on its own, and an interrupted upgrade resumes after
    # the last one done.
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
