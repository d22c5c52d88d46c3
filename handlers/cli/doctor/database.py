"""Doctor: the database, read without creating anything; a fresh one is what a first start expects."""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings
from handlers.cli.doctor.findings import Finding
from storage import migrate
from storage.engine import is_sqlite


async def database_finding(settings: Settings) -> Finding:
    try:
        schema = await asyncio.wait_for(migrate.inspect(settings.database_url), timeout=10)
    except (OSError, SQLAlchemyError, TimeoutError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Finding("database", "FAIL", f"unreachable ({reason})", "check DATABASE_URL and that the server runs")
    head = migrate.head_revision()
    if not schema.found and is_sqlite(settings.database_url):
        return Finding("database", "ok", f"{schema.where} does not exist yet: `serve` creates it on first start")
    if not schema.found:
        fix = "create it (createdb, or CREATE DATABASE); `serve` then creates the tables"
        return Finding("database", "FAIL", f"{schema.where}: the database does not exist", fix)
    if schema.revision is None:
        return Finding("database", "ok", "reachable and empty: `serve` creates the tables on first start")
    if schema.revision == head:
        return Finding("database", "ok", f"reachable, at migration {head}")
    if not migrate.is_known(schema.revision):
        return Finding("database", "FAIL", str(migrate.newer_than_code(schema.revision)))
    return Finding(
        "database", "ok", f"at migration {schema.revision}: `serve` (or `oncall-bot db upgrade`) migrates it to {head}"
    )
