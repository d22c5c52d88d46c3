"""Bolt's error handler: how a listener's failure reaches the person who asked.

Listeners raise; nothing in them catches to reply. A `UserError` is something the person can fix,
and its message is their answer, where they asked: the slash command's ephemeral reply, an error
under the form's field (the form stays open), or an ephemeral message after a click or a shortcut.
An event has nobody to answer. Anything else is a failure: its traceback is logged and bolt's 500
stands, which handlers/slack/http.py turns into the storage-failing line (a command) or a 503 that
Slack retries (an event or a click) when the database is what failed.

With `process_before_response=True` bolt calls this inside the request, with the 500 it is about to
send; a response returned here replaces it.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.request.payload_utils import is_event, is_slash_command, is_view_submission
from slack_bolt.response import BoltResponse

from bot.errors import UserError
from handlers.slack import modals, silence_form

log = logging.getLogger("oncall.slack")

# The field a refused form shows its reason under.
FORM_FIELDS = {
    modals.DECLARE_CALLBACK: modals.TITLE_BLOCK,
    modals.UPDATE_CALLBACK: modals.STATUS_BLOCK,
    modals.ADD_TO_TIMELINE_CALLBACK: modals.INCIDENT_BLOCK,
    silence_form.CALLBACK: silence_form.MATCHERS_BLOCK,
}


async def handle_error(
    error: Exception, body: dict[str, Any], ack: AsyncAck, respond: AsyncRespond | None
) -> BoltResponse | None:
    if not isinstance(error, UserError):
        log.error("slack.listener_failed error=%s", type(error).__name__, exc_info=error)
        return None
    text = str(error)
    if is_slash_command(body):
        return await ack(text=text, response_type="ephemeral")
    if is_view_submission(body):
        field = FORM_FIELDS.get(str((body.get("view") or {}).get("callback_id", "")))
        if field is not None:
            return await ack(response_action="errors", errors={field: text})
    elif respond is not None and not is_event(body):
        await respond(text=text, response_type="ephemeral", replace_original=False)
    # Answered already (a click is acknowledged before it is handled), or nothing more to say.
    return ack.response or await ack()
