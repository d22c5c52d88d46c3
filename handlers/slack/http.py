"""`POST /slack/events`: hands the request to bolt, which verifies Slack's signature first."""

from __future__ import annotations

import logging
import time

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

from bot.keys import bolt_key, database_key, metrics_key
from handlers.auth import refuse

log = logging.getLogger("oncall.slack")
RETRY_AFTER_SECONDS = 5


async def handle_slack_request(request: web.Request) -> web.Response:
    started = time.perf_counter()
    bolt_request = await to_bolt_request(request)
    bolt_response = await request.app[bolt_key].async_dispatch(bolt_request)
    command = bolt_request.body.get("command") if isinstance(bolt_request.body, dict) else None
    if isinstance(command, str) and command.startswith("/") and len(command) <= 32:
        request.app[metrics_key].command_ack.labels(command).observe(time.perf_counter() - started)
    if bolt_response.status >= 500 and await _is_database_down(request):
        # Bolt answers a bare 500 when a listener raised. Say it is temporary: Slack retries the event
        # (https://api.slack.com/apis/events-api#retries), and nothing of it was stored meanwhile.
        log.warning("slack.database_unavailable command=%s", command or "-")
        response = refuse(503, "unavailable", "the database is unreachable; retry later")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return await to_aiohttp_response(bolt_response)


async def _is_database_down(request: web.Request) -> bool:
    try:
        await request.app[database_key].ping()
    except Exception:  # unreachable, or too slow to answer: either way the listener could not use it
        return True
    return False
