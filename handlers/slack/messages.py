"""Bolt middleware: `message` events go straight to the timeline, without bolt's listener machinery.

Messages are the bot's busiest input in a long incident, and storing one (a group commit with the others
that arrive meanwhile) costs less than bolt's matching of listeners and building of their arguments
(every injectable one, `say` and `respond` included, for each call). This middleware comes after bolt's
own (request verification, authorization, its own events ignored), so a message it answers has passed
those, and it answers like the listener would have: 200 once the message is stored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.timeline.service import Recorder
from handlers.slack.events import handle_message_event


class RecordMessages(AsyncMiddleware):
    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        body = req.body
        event = body.get("event") if isinstance(body, dict) and body.get("type") == "event_callback" else None
        if not isinstance(event, dict) or event.get("type") != "message":
            return await next()
        await handle_message_event(event, body, self._recorder, req.context)
        return BoltResponse(status=200, body="")
