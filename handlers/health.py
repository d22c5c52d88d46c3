"""Liveness and readiness for load balancers and Kubernetes."""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.keys import database_key, metrics_key, outbox_worker_key, scheduler_key, settings_key
from bot.storage_failure import describe_failure
from handlers.auth import check_bearer
from storage import migrate
from storage.engine import is_unreachable
from storage.types import utcnow

log = logging.getLogger("oncall.health")


async def handle_healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def handle_readyz(request: web.Request) -> web.Response:
    database = request.app[database_key]
    try:
        await database.ping()
        current = await migrate.is_current(database)
    except Exception as exc:  # any failure to reach the database means: not ready
        reason = "unreachable" if is_unreachable(exc) else "failing"
        return web.json_response({"status": "unavailable", "database": f"{reason}: {type(exc).__name__}"}, status=503)
    if not current:
        return web.json_response({"status": "unavailable", "database": "migrations pending"}, status=503)
    try:
        await database.probe_write()
    except Exception as exc:  # reads work, writes do not: the bot would acknowledge and lose things
        return web.json_response({"status": "unavailable", "database": describe_failure(exc)}, status=503)
    scheduler = request.app.get(scheduler_key)
    leading = scheduler is not None and scheduler.leadership.is_leader
    worker = request.app.get(outbox_worker_key)
    return web.json_response(
        {
            "status": "ready",
            "database": "ok",
            "scheduler": "leader" if leading else "standby",
            "outbox_worker": "running" if worker is not None and worker.running else "stopped",
        }
    )


async def handle_metrics(request: web.Request) -> web.Response:
    """Prometheus text; the gauges of stored state are read from the database first."""
    token = request.app[settings_key].metrics_token
    if token and (refusal := check_bearer(request, token, disabled="")):
        return refusal
    metrics = request.app[metrics_key]
    try:
        async with request.app[database_key].transaction() as session:
            await metrics.refresh(session, utcnow())
    except Exception:  # a scrape during a database outage still shows the counters
        log.warning("metrics.refresh_failed", exc_info=True)
    return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})
