"""What a person sees when a listener raises: their refusal where they asked, never a bug's message.

Bolt dispatches real payloads to listeners that raise, through the bot's own error handler
(handlers/slack/errors.py), with `process_before_response=True` as the bot runs it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.errors import IncidentNotFound, UserError
from handlers.slack import modals
from handlers.slack.errors import handle_error

SECRET_DETAIL = "postgresql://oncall:hunter2@db/oncall"


async def _authorize(**_: Any) -> AuthorizeResult:
    # A fixed workspace: no auth.test call leaves the test.
    return AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-test", bot_id="B1", bot_user_id="U0BOT")


def _app() -> AsyncApp:
    app = AsyncApp(
        signing_secret="not-checked-here",
        authorize=_authorize,
        request_verification_enabled=False,
        process_before_response=True,
    )
    app.error(handle_error)

    @app.command("/bug")
    async def bug(ack: AsyncAck) -> None:
        raise ValueError(f"cannot connect to {SECRET_DETAIL}")

    @app.command("/refuse")
    async def refuse(ack: AsyncAck) -> None:
        raise UserError("There is no incident INC-7. See open ones with `/incident list`.")

    @app.view(modals.DECLARE_CALLBACK)
    async def declare(ack: AsyncAck) -> None:
        raise UserError("The title is empty: write it after the command.")

    @app.event("reaction_added")
    async def reaction(event: dict[str, Any]) -> None:
        raise IncidentNotFound("Follow-ups come from messages in an incident channel.")

    return app


async def _command(name: str) -> BoltResponse:
    body = urlencode({"command": name, "text": "", "user_id": "U1", "channel_id": "C1", "team_id": "T1"})
    headers: dict[str, str | Sequence[str]] = {"content-type": ["application/x-www-form-urlencoded"]}
    return await _app().async_dispatch(AsyncBoltRequest(body=body, headers=headers))


async def _json(payload: dict[str, Any]) -> BoltResponse:
    headers: dict[str, str | Sequence[str]] = {"content-type": ["application/json"]}
    return await _app().async_dispatch(AsyncBoltRequest(body=json.dumps(payload), headers=headers))


async def test_a_refused_command_is_answered_with_the_refusal_alone() -> None:
    response = await _command("/refuse")
    assert response.status == 200
    assert json.loads(response.body) == {
        "text": "There is no incident INC-7. See open ones with `/incident list`.",
        "response_type": "ephemeral",
    }


async def test_a_bug_is_logged_with_its_traceback_and_its_message_reaches_nobody(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="oncall.slack"):
        response = await _command("/bug")
    # Bolt's 500 stands: handlers/slack/http.py names a failing database, else Slack shows its own failure.
    assert response.status == 500
    assert SECRET_DETAIL not in str(response.body)
    [record] = [record for record in caplog.records if record.name == "oncall.slack"]
    assert record.getMessage() == "slack.listener_failed error=ValueError"
    assert record.exc_info is not None and SECRET_DETAIL in str(record.exc_info[1])


async def test_a_refused_form_stays_open_with_the_reason_under_its_field() -> None:
    response = await _json(
        {
            "type": "view_submission",
            "team": {"id": "T1"},
            "user": {"id": "U1"},
            "view": {"id": "V1", "type": "modal", "callback_id": modals.DECLARE_CALLBACK, "state": {"values": {}}},
        }
    )
    assert response.status == 200
    assert json.loads(response.body) == {
        "response_action": "errors",
        "errors": {modals.TITLE_BLOCK: "The title is empty: write it after the command."},
    }


async def test_a_refusal_caused_by_an_event_is_said_to_nobody_and_the_event_is_taken() -> None:
    response = await _json(
        {
            "type": "event_callback",
            "team_id": "T1",
            "event_id": "Ev1",
            "event": {"type": "reaction_added", "user": "U1", "reaction": "white_check_mark", "item": {}},
        }
    )
    assert (response.status, response.body) == (200, "")
