"""`POST /slack/events`: hands the request to bolt, which verifies Slack's signature first."""

from __future__ import annotations

import time

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

from bot.keys import bolt_key, metrics_key


async def handle_slack_request(request: web.Request) -> web.Response:
    started = time.perf_counter()
    bolt_request = await to_bolt_request(request)
    bolt_response = await request.app[bolt_key].async_dispatch(bolt_request)
    command = bolt_request.body.get("command") if isinstance(bolt_request.body, dict) else None
    if isinstance(command, str) and command.startswith("/") and len(command) <= 32:
        request.app[metrics_key].command_ack.labels(command).observe(time.perf_counter() - started)
    return await to_aiohttp_response(bolt_response)
