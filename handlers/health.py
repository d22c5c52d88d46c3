"""Liveness and readiness for load balancers and Kubernetes."""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.clock import utcnow
from bot.database import readiness
from bot.keys import database_key, metrics_key, outbox_worker_key, scheduler_key, settings_key
from handlers.auth import check_bearer

log = logging.getLogger("oncall.health")


async def handle_healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def handle_readyz(request: web.Request) -> web.Response:
    if problem := await readiness(request.app[database_key]):
        return web.json_response({"status": "unavailable", "database": problem}, status=503)
    scheduler = request.app.get(scheduler_key)
    leading = scheduler is not None and scheduler.leadership.is_leader
    worker = request.app.get(outbox_worker_key)
    role = request.app[settings_key].role
    running = worker is not None and worker.running
    return web.json_response(
        {
            "status": "ready",
            "database": "ok",
            "role": role.value,
            "scheduler": ("leader" if leading else "standby") if role.schedules else "off",
            "outbox_worker": ("running" if running else "stopped") if role.works else "off",
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
