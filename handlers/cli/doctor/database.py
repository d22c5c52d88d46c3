"""Doctor: the database, read without creating anything; a fresh one is what a first start expects."""

from __future__ import annotations

import asyncio

from bot import database
from bot.errors import StoreUnavailable
from bot.settings import Settings
from handlers.cli.doctor.findings import Finding


async def database_finding(settings: Settings) -> Finding:
    try:
        schema = await asyncio.wait_for(database.inspect(settings.database_url), timeout=10)
    except (StoreUnavailable, TimeoutError) as exc:
        reason = exc.detail if isinstance(exc, StoreUnavailable) else type(exc).__name__
        return Finding("database", "FAIL", f"unreachable ({reason})", "check DATABASE_URL and that the server runs")
    head = database.head_revision()
    if not schema.found and database.is_sqlite(settings.database_url):
        return Finding("database", "ok", f"{schema.where} does not exist yet: `serve` creates it on first start")
    if not schema.found:
        fix = "create it (createdb, or CREATE DATABASE); `serve` then creates the tables"
        return Finding("database", "FAIL", f"{schema.where}: the database does not exist", fix)
    if schema.revision is None:
        return Finding("database", "ok", "reachable and empty: `serve` creates the tables on first start")
    if schema.revision == head:
        return Finding("database", "ok", f"reachable, at migration {head}")
    if not database.is_known(schema.revision):
        return Finding("database", "FAIL", str(database.newer_than_code(schema.revision)))
    return Finding(
        "database", "ok", f"at migration {schema.revision}: `serve` (or `oncall-bot db upgrade`) migrates it to {head}"
    )
