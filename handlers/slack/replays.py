"""Bolt middleware: a slash command or interaction whose trigger_id was seen before does nothing."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.observability.ratelimited_log import RateLimitedLog
from bot.slack.replays import first_sight
from bot.unit_of_work import Begin

_replays = RateLimitedLog(logging.getLogger("oncall.slack"), every_seconds=60.0)


class RefuseReplays(AsyncMiddleware):
    def __init__(self, begin: Begin) -> None:
        self._begin = begin

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        trigger_id = req.body.get("trigger_id") if isinstance(req.body, dict) else None
        if isinstance(trigger_id, str) and trigger_id and not await first_sight(self._begin, trigger_id):
            _replays.warning("slack.replay_ignored user=%s", req.context.user_id or "-")
            return BoltResponse(status=200, body="")
        return await next()
