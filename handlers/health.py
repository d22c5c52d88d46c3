"""Liveness and readiness for load balancers and Kubernetes."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text

from bot.keys import database_key
from storage import migrate


async def handle_healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def handle_readyz(request: web.Request) -> web.Response:
    database = request.app[database_key]
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        current = await migrate.is_current(database)
    except Exception as exc:  # any failure to reach the database means: not ready
        return web.json_response({"status": "unavailable", "database": type(exc).__name__}, status=503)
    if not current:
        return web.json_response({"status": "unavailable", "database": "migrations pending"}, status=503)
    return web.json_response({"status": "ready", "database": "ok"})
