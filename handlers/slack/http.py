"""`POST /slack/events`: hands the request to bolt, which verifies Slack's signature first."""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

from bot.keys import bolt_key


async def handle_slack_request(request: web.Request) -> web.Response:
    bolt_response = await request.app[bolt_key].async_dispatch(await to_bolt_request(request))
    return await to_aiohttp_response(bolt_response)
